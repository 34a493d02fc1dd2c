#pragma once
// For tests: an Http2Session on a loopback connection, and nghttp2 as a
// blocking HTTP/2 client talking to it. Every wait has a deadline.

#include <nghttp2/nghttp2.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/http2_session.hpp"

namespace ephpm::testing {

// Accepts one connection on 127.0.0.1 and serves it with an Http2Session on
// an io thread of its own.
class Http2Server {
public:
    Http2Server(server::Http2Handler handler, server::Http2Limits limits = {});
    ~Http2Server();
    Http2Server(const Http2Server&) = delete;
    Http2Server& operator=(const Http2Server&) = delete;

    [[nodiscard]] int port() const { return port_; }
    // The session once the connection has been accepted (else null).
    std::shared_ptr<server::Http2Session> session();
    // Whether run() returned within `timeout`.
    bool wait_ended(std::chrono::milliseconds timeout);
    // Closes the connection and joins the io thread; the io_context (and the
    // timer service) stays alive until destruction, so a test may then drop
    // its own timers safely. Idempotent.
    void stop();

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    server::SiteContext site_;
    std::atomic<bool> stopping_{false};
    server::Http2Handler handler_;
    server::Http2Limits limits_;
    int port_ = 0;
    std::mutex mutex_;
    std::shared_ptr<server::Http2Session> session_;
    std::atomic<bool> ended_{false};
    std::thread thread_;
};

class Http2Client {
public:
    struct Stream {
        int status = 0;
        std::multimap<std::string, std::string> headers;
        std::string body;
        bool closed = false;
        std::uint32_t error_code = 0;
    };

    // `settings`: the client's SETTINGS; `manual_window`: received DATA is
    // only acknowledged (WINDOW_UPDATE) when consume_all() is called or
    // auto_consume is set.
    Http2Client(int port, std::vector<nghttp2_settings_entry> settings = {},
                bool manual_window = false);
    ~Http2Client();
    Http2Client(const Http2Client&) = delete;
    Http2Client& operator=(const Http2Client&) = delete;

    std::int32_t request(const std::string& method, const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         std::optional<std::string> body = std::nullopt);
    // A request whose body follows in parts: HEADERS without END_STREAM,
    // sent at once.
    std::int32_t open_request(const std::string& method, const std::string& path,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});
    // Sends `bytes` as DATA on an open request (flushed at once, so the next
    // part may follow); `last` ends the stream.
    void send_body_part(std::int32_t stream_id, std::string bytes, bool last);
    void reset(std::int32_t stream_id, std::uint32_t error_code = NGHTTP2_CANCEL);
    // Writes everything nghttp2 has queued.
    void flush();
    // Flushes, reads and processes until `done()` holds, the server closes,
    // or `timeout` passes; returns done().
    bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
    // Reads for `duration` regardless (to observe that nothing more comes).
    void pump_for(std::chrono::milliseconds duration);
    // Acknowledges every DATA byte received so far; with `keep_going`, all
    // later ones as they arrive.
    void consume_all(bool keep_going);

    std::map<std::int32_t, Stream> streams;
    bool goaway = false;
    std::uint32_t goaway_error = 0;
    bool eof = false;

private:
    static int on_header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t*, std::size_t,
                         const std::uint8_t*, std::size_t, std::uint8_t, void*);
    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t, const std::uint8_t*,
                       std::size_t, void*);
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
    static int on_close(nghttp2_session*, std::int32_t, std::uint32_t, void*);
    std::int32_t submit(const std::string& method, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::optional<std::string> body, bool end_stream);
    static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t*, std::size_t,
                             std::uint32_t*, nghttp2_data_source*, void*);

    int fd_ = -1;
    nghttp2_session* session_ = nullptr;
    std::map<std::int32_t, std::size_t> unconsumed_;
    bool auto_consume_ = true;
    std::map<std::int32_t, std::pair<std::string, std::size_t>> bodies_; // request bodies
};

} // namespace ephpm::testing
