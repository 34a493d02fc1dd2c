#include "server/http2_session.hpp"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <stdexcept>

#include "server/connection_info.hpp"
#include "server/http2_stream.hpp"
#include "server/limits.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Frames nghttp2 produces are gathered up to this size per socket write.
constexpr std::size_t kWriteBatch = 64 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

// nghttp2's own defences, set explicitly so they are visible and reviewed.
nghttp2_option* make_options() {
    nghttp2_option* option = nullptr;
    if (nghttp2_option_new(&option) != 0) throw std::bad_alloc();
    nghttp2_option_set_max_settings(option, 32);                     // entries per SETTINGS frame
    nghttp2_option_set_max_outbound_ack(option, 1000);               // SETTINGS/PING ACK flood
    nghttp2_option_set_max_deflate_dynamic_table_size(option, 4096); // our HPACK encoder
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(option, 0);
    nghttp2_option_set_stream_reset_rate_limit(option, 1000, 33);
    nghttp2_option_set_max_continuations(option, 8);
    // No priority tree: closed streams need not be kept.
    nghttp2_option_set_no_closed_streams(option, 1);
    return option;
}

} // namespace

Http2Limits Http2Limits::from(const config::ServerSettings& settings) {
    Http2Limits limits;
    limits.max_header_bytes = static_cast<std::size_t>(settings.request.max_header_size);
    limits.max_body_bytes = settings.request.max_body_size;
    limits.idle = settings.timeouts.idle;
    limits.header_read = settings.timeouts.header_read;
    limits.body = settings.timeouts.body;
    limits.write = std::chrono::duration_cast<std::chrono::milliseconds>(kWriteTimeout);
    return limits;
}

Http2Session::Http2Session(tcp::socket socket, std::string initial_bytes, const SiteContext& site,
                           const std::atomic<bool>& stopping, Http2Handler handler,
                           Http2Limits limits)
    : socket_(std::move(socket)),
      initial_bytes_(std::move(initial_bytes)),
      site_(site),
      stopping_(stopping),
      handler_(std::move(handler)),
      limits_(limits),
      wake_(socket_.get_executor()),
      idle_(socket_.get_executor()),
      write_deadline_(socket_.get_executor()),
      receive_deadline_(socket_.get_executor()) {
    receive_deadline_.expires_at(asio::steady_timer::time_point::max()); // disarmed
    connection_ = describe_connection(socket_);
    nghttp2_session_callbacks* callbacks = nullptr;
    if (nghttp2_session_callbacks_new(&callbacks) != 0) throw std::bad_alloc();
    Http2Callbacks::install(callbacks);
    nghttp2_option* option = make_options();
    const int rv = nghttp2_session_server_new2(&session_, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) throw std::runtime_error(nghttp2_strerror(rv));

    const std::array<nghttp2_settings_entry, 3> settings{{
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits_.max_concurrent_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<std::uint32_t>(limits_.max_header_bytes)},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    }};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

Http2Session::~Http2Session() { nghttp2_session_del(session_); }

void Http2Session::shutdown() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->closed_) return;
        self->goaway(true);
    });
}

void Http2Session::force_close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close_now(); });
}

asio::awaitable<void> Http2Session::run() {
    auto self = shared_from_this(); // the handlers' coroutines hold it too
    if (!initial_bytes_.empty()) {
        const std::string bytes = std::move(initial_bytes_);
        if (!feed(bytes.data(), bytes.size())) close_now();
    }
    if (stopping_.load()) goaway(true);
    arm_idle();
    arm_receive_deadline();
    co_await (read_loop() && write_loop() && watch_idle() && watch_write() && watch_receiving());
}

bool Http2Session::feed(const char* data, std::size_t size) {
    const auto rv =
        nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), size);
    if (rv < 0) {
        spdlog::debug("{}:{} HTTP/2: {}", connection_.remote_address, connection_.remote_port,
                      nghttp2_strerror(static_cast<int>(rv)));
        return false;
    }
    return true;
}

asio::awaitable<void> Http2Session::read_loop() {
    std::array<char, kReadChunk> chunk{};
    while (!closed_) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), kUseTuple);
        if (ec || closed_) break;
        if (send_closed_) continue; // only waiting for the client to close
        if (!feed(chunk.data(), n)) break;
        arm_idle();
        arm_receive_deadline();
        wake_writer();
    }
    close_now();
}

asio::awaitable<void> Http2Session::write_loop() {
    std::string out;
    while (!closed_) {
        out.clear();
        while (out.size() < kWriteBatch) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session_, &data);
            if (n < 0) {
                spdlog::debug("HTTP/2 send: {}", nghttp2_strerror(static_cast<int>(n)));
                close_now();
                co_return;
            }
            if (n == 0) break;
            out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        }
        if (!out.empty()) {
            write_deadline_.expires_after(limits_.write);
            auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), kUseTuple);
            write_deadline_.expires_at(asio::steady_timer::time_point::max());
            if (ec) break;
            arm_idle();
            continue;
        }
        if (!send_closed_ && nghttp2_session_want_read(session_) == 0 &&
            nghttp2_session_want_write(session_) == 0) {
            // GOAWAY went out and no stream is left: stop sending, and read
            // until the client closes (briefly), so that closing does not
            // reset the connection before the client has read everything.
            send_closed_ = true;
            boost::system::error_code ignored;
            socket_.shutdown(tcp::socket::shutdown_send, ignored);
            idle_.expires_after(kLingerTimeout);
        }
        // Everything submitted on the connection's thread before this point has been
        // sent; anything submitted later cancels this wait.
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(kUseTuple);
    }
    close_now();
}

void Http2Session::wake_writer() { wake_.cancel(); }

void Http2Session::arm_idle() {
    if (closed_ || send_closed_) return;
    if (busy()) {
        idle_.expires_at(asio::steady_timer::time_point::max());
    } else {
        idle_.expires_after(limits_.idle);
    }
}

asio::awaitable<void> Http2Session::watch_idle() {
    while (!closed_) {
        co_await idle_.async_wait(kUseTuple);
        if (closed_) break;
        if (idle_.expiry() > asio::steady_timer::clock_type::now()) continue; // re-armed
        if (send_closed_) {
            close_now(); // the client did not close within the linger time
            break;
        }
        // Nothing happened for the idle timeout. Without open streams this
        // is a polite GOAWAY; streams that stalled (a request never
        // finished, a window never opened) are given up.
        if (streams_.empty()) {
            goaway(true);
        } else {
            nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
            wake_writer();
        }
        idle_.expires_after(limits_.write); // bound the goodbye itself
    }
}

asio::awaitable<void> Http2Session::watch_write() {
    write_deadline_.expires_at(asio::steady_timer::time_point::max());
    while (!closed_) {
        co_await write_deadline_.async_wait(kUseTuple);
        if (closed_) break;
        if (write_deadline_.expiry() > asio::steady_timer::clock_type::now()) continue;
        spdlog::debug("{}:{} HTTP/2: write timed out", connection_.remote_address,
                      connection_.remote_port);
        close_now();
    }
}

// Keeps the timer no later than any arriving request's deadline: each
// deadline is some read's time plus header_read or body, so no later than
// that read's now + the shorter of the two; expire_stalled_requests then
// moves it to the earliest real one. Requests that arrive whole in one read
// (a GET's HEADERS with END_STREAM) never touch it.
void Http2Session::arm_receive_deadline() {
    if (closed_ || receiving_ == 0) return;
    const auto soonest =
        asio::steady_timer::clock_type::now() + std::min(limits_.header_read, limits_.body);
    if (receive_deadline_.expiry() > soonest) receive_deadline_.expires_at(soonest);
}

asio::awaitable<void> Http2Session::watch_receiving() {
    // Not disarmed here: the initial bytes (run()) may have armed it.
    while (!closed_) {
        co_await receive_deadline_.async_wait(kUseTuple);
        if (closed_) break;
        if (receive_deadline_.expiry() > asio::steady_timer::clock_type::now()) continue;
        expire_stalled_requests(); // re-arms for the next deadline, if any
    }
}

void Http2Session::goaway(bool graceful) {
    if (closed_) return;
    if (graceful) {
        nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                              nullptr, 0);
    } else {
        nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
    }
    wake_writer();
}

void Http2Session::close_now() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    wake_.cancel();
    idle_.cancel();
    write_deadline_.cancel();
    receive_deadline_.cancel();
    // Streams nghttp2 never got to close: their scripts see a client that
    // went away, and each still gets its access log line.
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, stream] : streams) {
        stop_receiving(*stream);
        stream->closed = true;
        stream->aborted->store(true);
        if (auto* body = std::get_if<std::shared_ptr<BodyStream>>(&stream->body); body && *body) {
            (*body)->cancel();
        }
        finish_stream(*stream);
    }
}

} // namespace ephpm::server
