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

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "server/absolute_form.hpp"
#include "server/access_log.hpp"
#include "server/connection_info.hpp"
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
// While a request is handled, pipelined requests are read ahead up to this
// much; beyond it the client waits (TCP backpressure) instead of us buffering.
constexpr std::size_t kPipelineBytes = 64 * 1024;
// Buffer room for reading a request body (the parser moves it on to the body).
constexpr std::size_t kBodyReadRoom = 64 * 1024;

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
    // The body could not be stored (its temporary file failed).
    if (ec == beast::errc::no_space_on_device) return 500;
    return 400;
}

// A status and a reason for a request whose header Beast accepted but we do
// not: ambiguous framing first, then an unknown expectation.
std::optional<std::pair<unsigned, std::string_view>> refusal_for(
    const http::request_header<>& header) {
    if (auto status = check_version_framing(header.version(), header))
        return std::pair{static_cast<unsigned>(*status), "Transfer-Encoding in HTTP/1.0"};
    if (auto status = check_message_framing(header))
        return std::pair{static_cast<unsigned>(*status), "ambiguous or unsupported framing"};
    if (auto status = check_expectation(header))
        return std::pair{static_cast<unsigned>(*status), "unknown expectation"};
    return std::nullopt;
}

// What the access log needs from a request, copied before the request is
// handed over.
struct LoggedRequest {
    std::string method, target, referer, user_agent;
};

} // namespace

Http1Session::Http1Session(tcp::socket socket, const SiteContext& site,
                           const std::atomic<bool>& stopping, std::string_view initial_bytes)
    : stream_(std::move(socket)),
      stopping_(stopping),
      watch_done_(stream_.get_executor()),
      read_timer_(stream_.get_executor()) {
    if (!initial_bytes.empty()) {
        buffer_.commit(asio::buffer_copy(buffer_.prepare(initial_bytes.size()),
                                         asio::buffer(initial_bytes.data(), initial_bytes.size())));
    }
    connection_ = describe_connection(stream_.socket());
    context_.site = &site;
    context_.connection = &connection_;
    context_.stopping = &stopping_;
    context_.watch = this;
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

template <class Parser>
asio::awaitable<beast::error_code> Http1Session::read_header(Parser& parser) {
    // Most requests arrive whole in one read: parse what is buffered first,
    // and arm the header timer only when more bytes are needed.
    if (buffer_.size() > 0) {
        beast::error_code ec;
        buffer_.consume(parser.put(buffer_.data(), ec));
        if (ec != http::error::need_more) co_return ec;
    }
    // Not the stream's own timeout: that would close the socket, and a
    // client whose header is incomplete deserves a 408 first.
    stream_.expires_never();
    arm_read_deadline(context_.site->settings.timeouts.header_read);
    auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, kUseTuple);
    disarm_read_deadline();
    co_return ec;
}

template <class Parser>
asio::awaitable<beast::error_code> Http1Session::read_body(Parser& parser) {
    const auto silence = context_.site->settings.timeouts.body;
    stream_.expires_never();
    beast::error_code ec;
    while (!ec && !parser.is_done()) {
        arm_read_deadline(silence);
        auto [read_ec, n] = co_await http::async_read_some(stream_, buffer_, parser, kUseTuple);
        disarm_read_deadline();
        ec = read_ec;
    }
    co_return ec;
}

void Http1Session::arm_read_deadline(std::chrono::milliseconds after) {
    read_timed_out_ = false;
    const std::uint64_t id = ++read_deadline_id_;
    read_timer_.expires_after(after);
    read_timer_.async_wait([self = shared_from_this(), id](const beast::error_code& ec) {
        // An expiry queued just as the read completed belongs to a deadline
        // already retired: it must not cancel the next read.
        if (ec || id != self->read_deadline_id_) return;
        self->read_timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
    });
}

void Http1Session::disarm_read_deadline() {
    ++read_deadline_id_;
    read_timer_.cancel();
}

std::shared_ptr<std::atomic<bool>> Http1Session::watch_client() {
    // A fresh abort flag per script: one left running after a timeout must
    // not make the next request look aborted.
    aborted_ = std::make_shared<std::atomic<bool>>(false);
    keep_reading();
    return aborted_;
}

void Http1Session::keep_reading() {
    if (watch_stop_ || client_gone_ || buffer_.size() >= kPipelineBytes) return;
    watching_ = true;
    stream_.socket().async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
            self->on_watch(ec, n);
        });
}

void Http1Session::on_watch(const beast::error_code& ec, std::size_t n) {
    watching_ = false;
    if (!ec) {
        buffer_.commit(n); // a pipelined request, kept for the next round
        keep_reading();
        if (watching_) return;
    } else if (ec != asio::error::operation_aborted) {
        // EOF or reset while the request is handled: the client is gone.
        client_gone_ = true;
        aborted_->store(true);
    }
    watch_done_.cancel();
}

asio::awaitable<void> Http1Session::stop_watching() {
    watch_stop_ = true;
    if (watching_) {
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
    }
    while (watching_) {
        watch_done_.expires_at(asio::steady_timer::time_point::max());
        co_await watch_done_.async_wait(kUseTuple);
    }
    watch_stop_ = false;
}

asio::awaitable<void> Http1Session::run() {
    const config::ServerSettings& settings = context_.site->settings;
    bool first = true;
    for (;;) {
        if (buffer_.size() == 0) {
            // Between requests: the only state in which shutdown closes us.
            if (stopping_.load()) co_return;
            idle_ = true;
            // A silent connection just closes: there is no request to answer.
            stream_.expires_after(first ? settings.timeouts.header_read : settings.timeouts.idle);
            auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kUseTuple);
            idle_ = false;
            if (ec) co_return; // closed, idle timeout, or shutdown
            buffer_.commit(n);
        }
        first = false;

        http::request_parser<SpooledBody> parser;
        parser.header_limit(static_cast<std::uint32_t>(
            std::min<std::uint64_t>(settings.request.max_header_size, UINT32_MAX)));
        parser.body_limit(settings.request.max_body_size);
        if (auto ec = co_await read_header(parser); ec) {
            if (read_timed_out_) {
                co_await refuse(408, parser.get().version(), "header not complete in time");
            } else if (auto status = rejection_status(ec)) {
                co_await refuse(*status, parser.get().version(), ec.message());
            }
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
            // The whole body is read before PHP starts, so a client that
            // stalls its upload holds a connection, never a PHP thread.
            // Beast reads as much as the buffer has room for: without room,
            // a 100 KB upload takes 25 reads of 4 KiB, with it a few.
            buffer_.reserve(std::min<std::size_t>(
                kBodyReadRoom,
                static_cast<std::size_t>(parser.content_length().value_or(kBodyReadRoom))));
            const auto ec = co_await read_body(parser);
            // An idle connection keeps only what it holds.
            if (buffer_.capacity() > kReadChunk) buffer_.shrink_to_fit();
            if (ec) {
                if (read_timed_out_) {
                    co_await refuse(408, parser.get().version(), "request body stalled");
                } else if (auto status = rejection_status(ec)) {
                    co_await refuse(*status, parser.get().version(), ec.message());
                }
                co_return;
            }
        }
        stream_.expires_never();

        if (!co_await serve(parser.release())) co_return;
    }
}

asio::awaitable<bool> Http1Session::serve(Request request) {
    if (!adopt_absolute_form(request)) {
        co_await refuse(400, request.version(), "absolute-form target without a host");
        co_return false;
    }
    const unsigned version = request.version() == 10 ? 10 : 11;
    const auto arrived = std::chrono::system_clock::now();
    const auto start = std::chrono::steady_clock::now();
    // What the access log needs from the request, copied before the
    // request is handed over (only when there is an access log).
    LoggedRequest logged;
    if (context_.site->access_log != nullptr) {
        logged.method = std::string(sv(request.method_string()));
        logged.target = std::string(sv(request.target()));
        logged.referer = std::string(sv(request[http::field::referer]));
        logged.user_agent = std::string(sv(request[http::field::user_agent]));
    }

    Response response = co_await handle_request(std::move(request), context_);
    Http1Writer writer(stream_, kWriteTimeout, context_.site->sendfile_pool);
    const Http1Writer::Result written = co_await writer.write(response, version);
    if (!written.ok) aborted_->store(true);
    response = Response{}; // let go of the file or the PHP stream now
    if (watching_) co_await stop_watching();

    if (AccessLog* log = context_.site->access_log; log != nullptr) {
        AccessRecord record;
        record.time = arrived;
        record.remote_address = connection_.remote_address;
        record.method = logged.method;
        record.target = logged.target;
        record.protocol = version == 10 ? "HTTP/1.0" : "HTTP/1.1";
        record.status = written.status;
        record.body_bytes = written.body_bytes;
        record.referer = logged.referer;
        record.user_agent = logged.user_agent;
        record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
        log->write(record);
    }
    if (!written.ok || client_gone_) co_return false;
    if (written.close) {
        co_await close(false);
        co_return false;
    }
    co_return true;
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
