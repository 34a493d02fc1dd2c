#include "server/http1_writer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <optional>
#include <span>
#include <vector>

#include "server/http_date.hpp"
#include "server/read_exactly.hpp"
#include "server/responses.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// One read from a BodyStream becomes at most one chunk of this size.
constexpr std::size_t kStreamChunk = 64 * 1024;
// Files up to this size are read and sent with the head in one sendmsg
// instead of sendfile(2): for a small file, sendfile's splice through an
// internal pipe costs more than copying the bytes. Measured on loopback
// (sender CPU per response): 1 KiB 1.1 against 2.1 µs, 8 KiB 2.5 against
// 3.4-4.7 µs, even at 12-16 KiB.
constexpr std::uint64_t kInlineFileMax = 8 * 1024;
// Sends at least this large go to the SendfilePool while one of its threads
// is idle, so that large files use every core. The hand-off (two wake-ups, a
// dup and a close) cost 100 KiB files about 10 µs of CPU and 14 % of their
// req/s on loopback; at 256 KiB it was even, at 1 MiB it paid. When every
// pool thread is busy the io thread sends the file itself: waiting in the
// pool's queue would add the hand-off and gain no core.
constexpr std::uint64_t kOffloadMin = 512 * 1024;
// sendfile(2) bytes after which the loop yields to other connections on the
// same thread (a fast local reader may never make the socket block).
constexpr std::uint64_t kSendfileSlice = 8 * 1024 * 1024;

// Fields the connection decides (and Date, which it always sets itself).
bool is_connection_field(std::string_view name) {
    static constexpr std::array<std::string_view, 6> kOwn = {
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "date"};
    for (std::string_view own : kOwn) {
        if (beast::iequals(name, own)) return true;
    }
    return false;
}

std::string_view reason_for(unsigned status) {
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    const std::string_view text(reason.data(), reason.size());
    return text.starts_with('<') ? std::string_view{} : text; // "<unknown-status>"
}

// The whole range of a small file, or false when it cannot be read in full
// (a file that shrank since fstat is an error, as it is for sendfile).
bool read_whole(const FileBody& file, std::string& out) {
    out.resize(static_cast<std::size_t>(file.length));
    const ReadOutcome outcome = read_exactly(file.file.native_handle(), file.offset, out);
    if (outcome == ReadOutcome::short_file) {
        spdlog::warn("static file shorter than its Content-Length; closing");
    }
    return outcome == ReadOutcome::complete;
}

void append_decimal(std::string& out, std::uint64_t value) {
    std::array<char, 20> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), end);
}

} // namespace

Framing framing_for(const Response& response, unsigned version) noexcept {
    if (status_forbids_body(response.status)) return Framing::none;
    if (response.head) {
        return response.content_length ? Framing::content_length : Framing::none;
    }
    if (std::holds_alternative<std::shared_ptr<BodyStream>>(response.body)) {
        return version >= 11 ? Framing::chunked : Framing::close_delimited;
    }
    return Framing::content_length;
}

std::string format_response_head(const Response& response, unsigned version, Framing framing,
                                 bool close, std::string_view date) {
    std::string head;
    head.reserve(256);
    // Plain appends: this runs for every response, and fmt's back_inserter
    // path costs several times as much for the same bytes.
    head.append(version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
    append_decimal(head, response.status);
    head.push_back(' ');
    head.append(reason_for(response.status));
    head.append("\r\n");
    for (const auto& field : response.fields) {
        const auto name = field.name_string();
        if (is_connection_field({name.data(), name.size()})) continue;
        const auto value = field.value();
        head.append(name.data(), name.size());
        head.append(": ");
        head.append(value.data(), value.size());
        head.append("\r\n");
    }
    head.append("Date: ").append(date).append("\r\n");
    switch (framing) {
        case Framing::content_length: {
            std::uint64_t length = 0;
            if (response.content_length) {
                length = *response.content_length;
            } else if (const auto* text = std::get_if<std::string>(&response.body)) {
                length = text->size();
            } else if (const auto* file = std::get_if<FileBody>(&response.body)) {
                length = file->length;
            }
            head.append("Content-Length: ");
            append_decimal(head, length);
            head.append("\r\n");
            break;
        }
        case Framing::chunked:
            head.append("Transfer-Encoding: chunked\r\n");
            break;
        case Framing::none:
        case Framing::close_delimited:
            break;
    }
    if (close) {
        head.append("Connection: close\r\n");
    } else if (version < 11) {
        head.append("Connection: keep-alive\r\n");
    }
    head.append("\r\n");
    return head;
}

asio::awaitable<Http1Writer::Result> Http1Writer::write(Response& response, unsigned version) {
    Result result;
    result.status = response.status;
    const Framing framing = framing_for(response, version);
    result.close = response.close || framing == Framing::close_delimited;
    // A string or file body's length is what we send, not what a builder said.
    if (!response.head && framing == Framing::content_length) response.content_length.reset();
    const std::string head =
        format_response_head(response, version, framing, result.close, http_date_now());
    auto* stream_body = std::get_if<std::shared_ptr<BodyStream>>(&response.body);

    // The header and a string body go out in one write.
    std::string_view text;
    if (const auto* body = std::get_if<std::string>(&response.body);
        body != nullptr && framing == Framing::content_length && !response.head) {
        text = *body;
    }
    auto* file = std::get_if<FileBody>(&response.body);
    bool send_file = file != nullptr && framing == Framing::content_length && !response.head;
    std::string small_file;
    if (send_file && file->length <= kInlineFileMax) {
        if (!read_whole(*file, small_file)) {
            result.close = true;
            co_return result;
        }
        text = small_file;
        send_file = false;
    }
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head), asio::buffer(text)};
    // Most responses fit the socket buffer: try to send them at once, before
    // paying for a timer and a suspension. A file's head is held back
    // (MSG_MORE) for its bytes, so they leave together in full segments, as
    // nginx's tcp_nopush does: on loopback this served 10-15 % more 256 KiB
    // and 1 MiB responses per second than a head pushed on its own. The
    // server's own CPU time doubles with it, but the machine's softirq time
    // (charged to no process) falls by as much: the loopback's delivery
    // work moves into the sender's system calls, it does not grow.
    const auto sent = send_now(buffers, send_file ? MSG_MORE : 0);
    bool failed = !sent.has_value();
    if (sent && *sent < head.size() + text.size()) {
        const std::size_t from_head = std::min(*sent, head.size());
        buffers[0] = asio::buffer(head) + from_head;
        buffers[1] = asio::buffer(text) + (*sent - from_head);
        stream_.expires_after(write_timeout_);
        auto [ec, n] = co_await asio::async_write(stream_, buffers, kUseTuple);
        failed = static_cast<bool>(ec);
    }
    if (failed) {
        if (stream_body != nullptr && *stream_body) (*stream_body)->cancel();
        result.close = true;
        co_return result;
    }
    result.body_bytes = text.size();

    bool ok = true;
    if (stream_body != nullptr && *stream_body) {
        ok = co_await write_stream(**stream_body, framing, result);
    } else if (send_file) {
        ok = co_await write_file(*file, result);
    }
    if (!ok) result.close = true;
    result.ok = ok;
    co_return result;
}

bool Http1Writer::make_non_blocking() {
    auto& socket = stream_.socket();
    // Asio made the descriptor non-blocking with the first read; asking
    // again would cost an ioctl per response.
    if (socket.native_non_blocking()) return true;
    beast::error_code ec;
    socket.native_non_blocking(true, ec);
    return !ec;
}

std::optional<std::size_t> Http1Writer::send_now(std::span<const asio::const_buffer> buffers,
                                                 int flags) {
    auto& socket = stream_.socket();
    if (!make_non_blocking()) return 0; // the asynchronous write will report it
    std::array<iovec, 2> vectors{};
    std::size_t count = 0;
    for (const auto& buffer : buffers) {
        if (buffer.size() == 0 || count == vectors.size()) continue;
        vectors[count++] = iovec{const_cast<void*>(buffer.data()), buffer.size()};
    }
    msghdr message{};
    message.msg_iov = vectors.data();
    message.msg_iovlen = count;
    for (;;) {
        const ssize_t n = ::sendmsg(socket.native_handle(), &message, flags | MSG_NOSIGNAL);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return std::nullopt;
    }
}

asio::awaitable<bool> Http1Writer::wait_writable(Clock::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    auto outcome =
        co_await (stream_.socket().async_wait(asio::socket_base::wait_write, kUseTuple) ||
                  timer.async_wait(kUseTuple));
    if (outcome.index() != 0) co_return false; // the write timeout
    auto [ec] = std::get<0>(outcome);
    co_return !ec;
}

asio::awaitable<bool> Http1Writer::write_file(FileBody& file, Result& result) {
    auto& socket = stream_.socket();
    if (!make_non_blocking()) co_return false;
    const int in = file.file.native_handle();
    auto offset = static_cast<off_t>(file.offset);
    std::uint64_t remaining = file.length;
    std::uint64_t since_yield = 0;
    // The deadline moves with every bit of progress, so a large file on a
    // slow but moving connection is not cut off, while a stalled client is.
    auto deadline = Clock::now() + write_timeout_;
    while (remaining > 0) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining, 1u << 30));
        ssize_t n = 0;
        int error = 0;
        if (offload_ != nullptr && want >= kOffloadMin && offload_->has_idle_thread()) {
            const auto outcome = co_await offload_->async_sendfile(
                socket.native_handle(), in, offset, want, asio::use_awaitable);
            n = outcome.sent;
            error = outcome.error;
            if (n > 0) offset += n;
        } else {
            n = ::sendfile(socket.native_handle(), in, &offset, want);
            error = n < 0 ? errno : 0;
        }
        if (n > 0) {
            remaining -= static_cast<std::uint64_t>(n);
            result.body_bytes += static_cast<std::uint64_t>(n);
            since_yield += static_cast<std::uint64_t>(n);
            deadline = Clock::now() + write_timeout_;
            if (since_yield >= kSendfileSlice) {
                since_yield = 0;
                co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
            }
            continue;
        }
        if (n < 0 && error == EINTR) continue;
        if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
            if (!co_await wait_writable(deadline)) co_return false;
            continue;
        }
        // n == 0: the file shrank under us; the client would wait for bytes
        // that never come, so the connection is closed instead.
        if (n == 0) spdlog::warn("static file shorter than its Content-Length; closing");
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> Http1Writer::write_stream(BodyStream& stream, Framing framing,
                                                Result& result) {
    const bool send = framing == Framing::chunked || framing == Framing::close_delimited;
    std::vector<char> data(kStreamChunk);
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    for (;;) {
        const BodyStream::Read read = stream.read_some(data);
        if (read.bytes == 0 && !read.end) {
            co_await stream.readable();
            continue;
        }
        if (read.failed) co_return false; // cut off: no last chunk
        if (!send) {
            if (read.end) co_return true;
            continue; // HEAD / no-body status: read to the end, send nothing
        }
        std::array<char, 20> size_line{};
        std::size_t size_length = 0;
        std::array<asio::const_buffer, 4> buffers{};
        std::size_t count = 0;
        if (read.bytes > 0) {
            if (framing == Framing::chunked) {
                size_length = static_cast<std::size_t>(
                    fmt::format_to_n(size_line.data(), size_line.size(), "{:x}\r\n", read.bytes)
                        .size);
                buffers[count++] = asio::buffer(size_line.data(), size_length);
            }
            buffers[count++] = asio::buffer(data.data(), read.bytes);
            if (framing == Framing::chunked) buffers[count++] = asio::buffer(kCrlf);
        }
        if (read.end && framing == Framing::chunked) buffers[count++] = asio::buffer(kLastChunk);
        if (count > 0) {
            stream_.expires_after(write_timeout_);
            auto [ec, n] = co_await asio::async_write(
                stream_, std::span<const asio::const_buffer>(buffers.data(), count), kUseTuple);
            if (ec) {
                stream.cancel();
                co_return false;
            }
            result.body_bytes += read.bytes;
        }
        if (read.end) co_return true;
    }
}

} // namespace ephpm::server
