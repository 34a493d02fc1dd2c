#pragma once
// A response as the request handler produces it, independent of the protocol
// that carries it: HTTP/1.1 serializes it (Content-Length, chunked or
// close-delimited), HTTP/2 turns it into HEADERS and DATA frames.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/http/fields.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace ephpm::server {

// A byte range of an open regular file (HTTP/1.1 sends it with sendfile(2)).
struct FileBody {
    boost::beast::file_posix file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// The body of a PHP response as the connection reads it while the script may
// still be producing it. Its methods are called on the connection's executor
// only; the PHP thread writes into it from the other side.
class BodyStream {
public:
    virtual ~BodyStream() = default;
    struct Read {
        std::size_t bytes = 0; // copied into the buffer
        bool end = false;      // the body is complete after these bytes
        // The script failed after part of the body went out: the response
        // must be cut off (HTTP/1.1: close without the last chunk; HTTP/2:
        // RST_STREAM) so the client can tell it is incomplete.
        bool failed = false;
    };
    // Copies what is pending; never blocks. {0, false, false}: nothing yet.
    virtual Read read_some(std::span<char> buffer) = 0;
    // Completes when read_some has something new to report.
    virtual boost::asio::awaitable<void> readable() = 0;
    // The client went away or reset the stream: the script sees an aborted
    // connection at its next output, and read_some reports end.
    virtual void cancel() noexcept = 0;
};

struct Response {
    unsigned status = 200;
    // End-to-end fields only. The connection adds Date and the framing
    // (Content-Length, Transfer-Encoding, Connection) itself.
    boost::beast::http::fields fields;
    std::variant<std::string, FileBody, std::shared_ptr<BodyStream>> body;
    // Answering HEAD: the body is not sent; content_length, when known, is
    // what a GET would have carried.
    bool head = false;
    std::optional<std::uint64_t> content_length;
    // HTTP/1.1: the connection must close after this response.
    bool close = false;
};

} // namespace ephpm::server
