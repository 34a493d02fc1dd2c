#include "server/http1_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "server/framing.hpp"
#include "server/http1_writer.hpp"
#include "server/limits.hpp"
#include "server/responses.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 4096;

std::string address_text(const asio::ip::address& address) {
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
}

ConnectionInfo describe(const tcp::socket& socket) {
    ConnectionInfo info;
    beast::error_code ec;
    auto local = socket.local_endpoint(ec);
    if (!ec) {
        info.local_address = address_text(local.address());
        info.local_port = local.port();
    }
    auto remote = socket.remote_endpoint(ec);
    if (!ec) {
        info.remote_address = address_text(remote.address());
        info.remote_port = remote.port();
    }
    return info;
}

// Connection-level failures that simply end the connection, as opposed to
// a malformed request, which deserves a 400.
bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
           ec == asio::error::bad_descriptor || ec == beast::error::timeout;
}

// The status for a request the parser refused, or nullopt when the client
// merely went away. Beast's own framing errors (bad_content_length,
// multiple_content_length, bad_transfer_encoding) are malformed requests.
std::optional<unsigned> rejection_status(const beast::error_code& ec) {
    if (is_disconnect(ec)) return std::nullopt;
    if (ec == http::error::header_limit) return 431;
    if (ec == http::error::body_limit) return 413;
    return 400;
}

// A status and a reason for a request whose header Beast accepted but we do
// not: ambiguous framing first, then an unknown expectation.
std::optional<std::pair<unsigned, std::string_view>> refusal_for(const http::fields& header) {
    if (auto status = check_message_framing(header))
        return std::pair{static_cast<unsigned>(*status), "ambiguous or unsupported framing"};
    if (auto status = check_expectation(header))
        return std::pair{static_cast<unsigned>(*status), "unknown expectation"};
    return std::nullopt;
}

} // namespace

Http1Session::Http1Session(tcp::socket socket, const SiteContext& site,
                           const std::atomic<bool>& stopping, std::string_view initial_bytes)
    : stream_(std::move(socket)), stopping_(stopping) {
    if (!initial_bytes.empty()) {
        buffer_.commit(asio::buffer_copy(buffer_.prepare(initial_bytes.size()),
                                         asio::buffer(initial_bytes.data(), initial_bytes.size())));
    }
    connection_ = describe(stream_.socket());
    context_.site = &site;
    context_.connection = &connection_;
    context_.stopping = &stopping_;
    context_.aborted = aborted_;
}

void Http1Session::shutdown() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
        if (self->idle_) self->stream_.cancel();
    });
}

void Http1Session::force_close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
        self->aborted_->store(true);
        self->stream_.close();
    });
}

asio::awaitable<void> Http1Session::run() {
    bool first = true;
    for (;;) {
        if (buffer_.size() == 0) {
            // Between requests: the only state in which shutdown closes us.
            if (stopping_.load()) co_return;
            idle_ = true;
            stream_.expires_after(first ? kHeaderTimeout : kKeepAliveTimeout);
            auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kUseTuple);
            idle_ = false;
            if (ec) co_return; // closed, idle timeout, or shutdown
            buffer_.commit(n);
        }
        first = false;

        http::request_parser<http::string_body> parser;
        parser.header_limit(kMaxHeaderBytes);
        parser.body_limit(kMaxBodyBytes);
        stream_.expires_after(kHeaderTimeout);
        if (auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, kUseTuple);
            ec) {
            if (auto status = rejection_status(ec))
                co_await refuse(*status, parser.get().version(), ec.message());
            co_return;
        }
        // What Beast accepted may still be ambiguous to another hop, and an
        // expectation we cannot meet must be refused before the client
        // sends its body. Either way the body is not read, so the connection
        // cannot be reused.
        if (auto refusal = refusal_for(parser.get())) {
            co_await refuse(refusal->first, parser.get().version(), refusal->second);
            co_return;
        }
        if (!parser.is_done()) {
            // A declared body over the limit never gets here: Beast reports
            // body_limit with the header, so the client gets 413 instead of
            // an invitation to send it. HTTP/1.0 has no interim responses.
            const auto& header = parser.get();
            if (header.version() == 11 && expects_continue(header)) {
                static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                stream_.expires_after(kWriteTimeout);
                auto [ec, n] = co_await asio::async_write(
                    stream_, asio::buffer(kContinue.data(), kContinue.size()), kUseTuple);
                if (ec) co_return;
            }
            stream_.expires_after(kBodyTimeout);
            if (auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kUseTuple); ec) {
                if (auto status = rejection_status(ec))
                    co_await refuse(*status, parser.get().version(), ec.message());
                co_return;
            }
        }
        stream_.expires_never(); // PHP's own max_execution_time bounds the wait

        Request request = parser.release();
        // The access log is debug-level until it gets its own configuration.
        const bool log = spdlog::should_log(spdlog::level::debug);
        const auto start = std::chrono::steady_clock::now();
        std::string request_line;
        if (log)
            request_line = fmt::format("{} {}", sv(request.method_string()), sv(request.target()));
        const unsigned version = request.version() == 10 ? 10 : 11;
        Response response = co_await handle_request(std::move(request), context_);
        Http1Writer writer(stream_, kWriteTimeout);
        const Http1Writer::Result written = co_await writer.write(response, version);
        if (log) {
            const auto elapsed =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
            spdlog::debug("{}:{} \"{}\" {} {:.1f} ms{}", connection_.remote_address,
                          connection_.remote_port, request_line, written.status, elapsed.count(),
                          written.ok ? "" : " (write failed)");
        }
        if (!written.ok) co_return;
        if (written.close) {
            co_await close(false);
            co_return;
        }
    }
}

asio::awaitable<void> Http1Session::refuse(unsigned status, unsigned version,
                                           std::string_view reason) {
    ReplyOptions options;
    options.version = version == 10 ? 10 : 11;
    options.keep_alive = false;
    spdlog::debug("{}:{} rejected: {} -> {}", connection_.remote_address, connection_.remote_port,
                  reason, status);
    Response response = error_response(status, options);
    Http1Writer writer(stream_, kWriteTimeout);
    const Http1Writer::Result written = co_await writer.write(response, options.version);
    if (written.ok) co_await close(true);
}

asio::awaitable<void> Http1Session::close(bool drain) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (drain && !ec) {
        // Read what the client still sends (e.g. the body we refused) so
        // that closing does not reset the connection before it has read our
        // response.
        std::array<char, kReadChunk> sink{};
        std::size_t drained = 0;
        stream_.expires_after(kLingerTimeout);
        while (drained < kLingerBytes) {
            auto [read_ec, n] = co_await stream_.async_read_some(asio::buffer(sink), kUseTuple);
            if (read_ec) break;
            drained += n;
        }
    }
    stream_.close();
}

} // namespace ephpm::server
