#pragma once
// Puts a protocol-neutral Response on an HTTP/1.x connection: the status
// line, the fields, Date, and the framing this connection needs:
//   string body  -> Content-Length, one gather write
//   FileBody     -> Content-Length, sendfile(2) from the open file
//   BodyStream   -> HTTP/1.1: chunked; HTTP/1.0: close-delimited
// HEAD and 1xx/204/304 responses send no body (a stream is still read to its
// end, so the script finishes before the next response starts). A stream that
// reports `failed` is cut off: the connection closes without the last chunk,
// so the client can tell the body is incomplete.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "server/response.hpp"
#include "server/sendfile_pool.hpp"

namespace ephpm::server {

enum class Framing {
    none,            // no body: HEAD, 1xx/204/304
    content_length,  // the length is known
    chunked,         // HTTP/1.1 with a body of unknown length
    close_delimited, // HTTP/1.0 with a body of unknown length
};

// The framing `response` gets on an HTTP/1.`minor` connection (10 or 11).
Framing framing_for(const Response& response, unsigned version) noexcept;

// Status line, fields (minus the framing and Date that PHP may have set),
// Date, framing fields and Connection, then the empty line.
std::string format_response_head(const Response& response, unsigned version, Framing framing,
                                 bool close, std::string_view date);

class Http1Writer {
public:
    // `offload`, when set, runs the sendfile(2) calls of large files.
    Http1Writer(boost::beast::tcp_stream& stream, std::chrono::steady_clock::duration write_timeout,
                SendfilePool* offload = nullptr)
        : stream_(stream), write_timeout_(write_timeout), offload_(offload) {}

    struct Result {
        bool ok = false;    // the whole response went out
        bool close = false; // the connection must close now
        unsigned status = 0;
        std::uint64_t body_bytes = 0;
    };
    // Never throws for network errors. `version` is the request's (10 or 11).
    boost::asio::awaitable<Result> write(Response& response, unsigned version);

private:
    // The socket in non-blocking mode (a system call only the first time);
    // false when that failed.
    bool make_non_blocking();
    // One non-blocking sendmsg of up to two buffers: the bytes the socket
    // took (0 when it is full), or nullopt when the connection failed.
    std::optional<std::size_t> send_now(std::span<const boost::asio::const_buffer> buffers,
                                        int flags);
    boost::asio::awaitable<bool> write_file(FileBody& file, Result& result);
    boost::asio::awaitable<bool> write_stream(BodyStream& stream, Framing framing, Result& result);
    // Waits until the socket can take more bytes, at most until `deadline`.
    boost::asio::awaitable<bool> wait_writable(std::chrono::steady_clock::time_point deadline);

    boost::beast::tcp_stream& stream_;
    std::chrono::steady_clock::duration write_timeout_;
    SendfilePool* offload_;
};

} // namespace ephpm::server
