#pragma once
// One HTTP/2 connection (h2c with prior knowledge) on one io thread.
// nghttp2 does the framing, HPACK and flow control; this class feeds it the
// bytes it reads (nghttp2_session_mem_recv) and writes what it produces
// (nghttp2_session_mem_send). Each stream's request is built by the nghttp2
// callbacks into the same Request type HTTP/1.1 uses and, once complete,
// handed to the request handler in a coroutine of its own on the same thread;
// the Response is then sent through an nghttp2 data provider, which pulls
// the body chunk by chunk so flow control decides the pace and no body is
// held whole on this side.

#include <nghttp2/nghttp2.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ephpm/config/config.hpp"
#include "server/request_handler.hpp"
#include "server/response.hpp"
#include "server/session.hpp"

namespace ephpm::server {

struct Http2Stream;
struct Http2Callbacks;

// The request handler as the session calls it (handle_request in the
// server; a stand-in in tests).
using Http2Handler =
    std::function<boost::asio::awaitable<Response>(Request, const RequestContext&)>;

struct Http2Limits {
    // SETTINGS_MAX_CONCURRENT_STREAMS, and how many handlers may run at once
    // for one connection (streams the client reset still count until their
    // handler returns).
    std::uint32_t max_concurrent_streams = 100;
    // Decoded header bytes per stream (name + value + 32 each, as HPACK
    // counts them, across CONTINUATION frames): larger -> 431. Also sent as
    // SETTINGS_MAX_HEADER_LIST_SIZE.
    std::size_t max_header_bytes = 16 * 1024;
    std::uint64_t max_body_bytes = 8 * 1024 * 1024; // larger -> 413
    // No bytes read or written while no handler runs -> GOAWAY.
    std::chrono::milliseconds idle{60'000};
    // Per stream, whatever the other streams do: from its first HEADERS to
    // the end of its header block (else the connection is closed: no other
    // frame may come between HEADERS and CONTINUATION), and the longest
    // silence while its body arrives (else 408 and RST_STREAM(NO_ERROR)).
    std::chrono::milliseconds header_read{30'000};
    std::chrono::milliseconds body{60'000};
    // A write that makes no progress for this long closes the connection.
    std::chrono::milliseconds write{60'000};
    // Rapid reset (CVE-2023-44487): a client that resets more than this many
    // streams before their response is complete within one window, and
    // more than were served in it, gets GOAWAY(ENHANCE_YOUR_CALM).
    unsigned max_premature_resets = 100;
    std::chrono::milliseconds reset_window{1'000};

    static Http2Limits from(const config::ServerSettings& settings);
};

class Http2Session final : public Session, public std::enable_shared_from_this<Http2Session> {
public:
    // `initial_bytes`: what was already read from the socket (the preface,
    // perhaps more).
    Http2Session(boost::asio::ip::tcp::socket socket, std::string initial_bytes,
                 const SiteContext& site, const std::atomic<bool>& stopping, Http2Handler handler,
                 Http2Limits limits);
    ~Http2Session() override;

    // Serves the connection until it ends. Never throws for network errors.
    boost::asio::awaitable<void> run();

    // GOAWAY; the streams already started are finished, then the connection
    // closes.
    void shutdown() override;
    void force_close() override;

    [[nodiscard]] boost::asio::any_io_executor executor() { return socket_.get_executor(); }

private:
    friend struct Http2Callbacks;

    // I/O (http2_session.cpp)
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<void> watch_idle();
    boost::asio::awaitable<void> watch_write();
    boost::asio::awaitable<void> watch_receiving();
    bool feed(const char* data, std::size_t size);
    void wake_writer();
    void arm_idle();
    [[nodiscard]] bool busy() const { return handlers_running_ > 0 || producing_ > 0; }
    void goaway(bool graceful);
    void close_now();

    // Requests (http2_requests.cpp): what the nghttp2 callbacks do.
    void begin_stream(std::int32_t id);
    int add_header(Http2Stream& stream, std::string_view name, std::string_view value,
                   bool trailer);
    void frame_received(const nghttp2_frame& frame);
    int data_received(std::int32_t id, std::string_view data);
    void frame_sent(const nghttp2_frame& frame);
    void stream_closed(std::int32_t id, std::uint32_t error_code);
    void headers_done(Http2Stream& stream);
    void request_complete(const std::shared_ptr<Http2Stream>& stream);
    void count_reset(const Http2Stream& stream);
    void stop_receiving(Http2Stream& stream);
    void arm_receive_deadline();
    void expire_stalled_requests();
    boost::asio::awaitable<void> serve(std::shared_ptr<Http2Stream> stream);
    void answer_now(Http2Stream& stream, unsigned status);

    // Responses (http2_responses.cpp)
    void submit(Http2Stream& stream, Response response);
    void await_body(const std::shared_ptr<Http2Stream>& stream);
    void finish_stream(Http2Stream& stream);
    std::shared_ptr<Http2Stream> find(std::int32_t id) const;

    boost::asio::ip::tcp::socket socket_;
    std::string initial_bytes_;
    const SiteContext& site_;
    const std::atomic<bool>& stopping_;
    Http2Handler handler_;
    Http2Limits limits_;
    ConnectionInfo connection_;
    nghttp2_session* session_ = nullptr;
    std::unordered_map<std::int32_t, std::shared_ptr<Http2Stream>> streams_;

    boost::asio::steady_timer wake_;           // the writer waits on it
    boost::asio::steady_timer idle_;           // armed while not busy
    boost::asio::steady_timer write_deadline_; // armed while a write is pending
    // Armed while a request is arriving, for the earliest stream deadline.
    boost::asio::steady_timer receive_deadline_;
    bool closed_ = false;
    bool send_closed_ = false; // our side is done; reading until the client closes
    unsigned handlers_running_ = 0;
    unsigned producing_ = 0; // streams waiting for PHP output
    unsigned receiving_ = 0; // streams whose request is arriving (Http2Stream::receiving)

    // Rapid-reset accounting for the current window.
    std::chrono::steady_clock::time_point reset_window_start_{};
    unsigned premature_resets_ = 0;
    unsigned served_ = 0;
};

} // namespace ephpm::server
