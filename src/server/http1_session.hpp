#pragma once
// One HTTP/1.1 connection as one coroutine: read a request (header and body
// limits set on the parser before anything is read, timeouts on the stream),
// hand it to handle_request, write the response (Http1Writer), repeat while
// keep-alive. While a script runs, a bounded read stays on the socket:
// it collects pipelined requests (at most kPipelineBytes) and notices a
// client that went away, which the script sees as connection_aborted().
// Runs on one io thread; shutdown() and force_close() may be called from any
// thread and post to it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "server/request_handler.hpp"
#include "server/session.hpp"

namespace ephpm::server {

class Http1Session : public Session,
                     public ClientWatch,
                     public std::enable_shared_from_this<Http1Session> {
public:
    // `initial_bytes`: what was already read from the socket to tell the
    // protocol; parsed as the start of the first request.
    Http1Session(boost::asio::ip::tcp::socket socket, const SiteContext& site,
                 const std::atomic<bool>& stopping, std::string_view initial_bytes = {});
    Http1Session(const Http1Session&) = delete;
    Http1Session& operator=(const Http1Session&) = delete;

    // Serves requests until the connection ends. Never throws for network
    // errors; they end the connection.
    boost::asio::awaitable<void> run();

    // Graceful stop: an idle connection closes now, a busy one after its
    // current response (which says Connection: close).
    void shutdown();
    // The grace period is over: close the socket; a running script sees a
    // client that went away at its next output.
    void force_close();

    // The connection's io thread: run() must be spawned on it.
    [[nodiscard]] boost::asio::any_io_executor executor() { return stream_.get_executor(); }

private:
    // Answers `status` with Connection: close and closes: the request's body
    // (if any) is left unread, so the connection cannot carry another one.
    boost::asio::awaitable<void> refuse(unsigned status, unsigned version, std::string_view reason);
    boost::asio::awaitable<void> close(bool drain);
    // Handles one complete request and writes its response; false when the
    // connection is done.
    boost::asio::awaitable<bool> serve(Request request);
    // Reads the request header with the header_read deadline; a timeout
    // leaves the socket open so the client can be told 408.
    template <class Parser>
    boost::asio::awaitable<boost::system::error_code> read_header(Parser& parser);
    // Reads the rest of the body; the body timeout bounds each silence, not
    // the whole upload. A timeout, too, leaves the socket open for a 408.
    template <class Parser>
    boost::asio::awaitable<boost::system::error_code> read_body(Parser& parser);
    // The read deadline: when it passes, the pending read is cancelled and
    // read_timed_out_ is set. Arming again or disarming retires the previous
    // deadline, even one whose expiry is already queued.
    void arm_read_deadline(std::chrono::milliseconds after);
    void disarm_read_deadline();
    // ClientWatch: a script is about to run.
    std::shared_ptr<std::atomic<bool>> watch_client() override;
    // The read kept on the socket while a script runs.
    void keep_reading();
    void on_watch(const boost::system::error_code& ec, std::size_t n);
    boost::asio::awaitable<void> stop_watching();

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    const std::atomic<bool>& stopping_;
    ConnectionInfo connection_;
    std::shared_ptr<std::atomic<bool>> aborted_ = std::make_shared<std::atomic<bool>>(false);
    RequestContext context_;
    bool idle_ = true; // waiting for the first byte of a request (io thread only)
    // The client read while a request is handled (io thread only).
    bool watching_ = false;
    bool watch_stop_ = false;
    bool client_gone_ = false;
    boost::asio::steady_timer watch_done_;
    boost::asio::steady_timer read_timer_;
    std::uint64_t read_deadline_id_ = 0; // the armed deadline's number
    bool read_timed_out_ = false;
};

} // namespace ephpm::server
