#pragma once
// One HTTP/1.1 connection as one coroutine: read a request (header and body
// limits set on the parser before anything is read, timeouts on the stream),
// hand it to handle_request, write the response, repeat while keep-alive.
// Runs on its own strand; shutdown() and force_close() may be called from any
// thread and post to it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <memory>
#include <string_view>

#include "server/request_handler.hpp"
#include "server/session.hpp"

namespace ephpm::server {

class Http1Session : public Session, public std::enable_shared_from_this<Http1Session> {
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

    // The connection's strand: run() must be spawned on it.
    [[nodiscard]] boost::asio::any_io_executor executor() { return stream_.get_executor(); }

private:
    // Answers `status` with Connection: close and closes: the request's body
    // (if any) is left unread, so the connection cannot carry another one.
    boost::asio::awaitable<void> refuse(unsigned status, unsigned version, std::string_view reason);
    boost::asio::awaitable<void> close(bool drain);

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    const std::atomic<bool>& stopping_;
    ConnectionInfo connection_;
    std::shared_ptr<std::atomic<bool>> aborted_ = std::make_shared<std::atomic<bool>>(false);
    RequestContext context_;
    bool idle_ = true; // waiting for the first byte of a request (strand only)
};

} // namespace ephpm::server
