// The receiving half of Http2Session: nghttp2's callbacks build each stream's
// Request, enforce the header and body limits, count the client's resets,
// and start the handler once the request is complete.

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "server/http2_session.hpp"
#include "server/http2_stream.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;

std::string_view view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

Http2Session& session_of(void* user_data) { return *static_cast<Http2Session*>(user_data); }

// A stream past this many times the header limit is reset outright rather
// than answered with 431: nobody sends such a header block by mistake.
constexpr std::size_t kHeaderResetFactor = 4;

} // namespace

void Http2Callbacks::install(nghttp2_session_callbacks* callbacks) {
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &on_stream_close);
}

int Http2Callbacks::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame,
                                     void* user) noexcept {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    try {
        session_of(user).begin_stream(frame->hd.stream_id);
        return 0;
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

int Http2Callbacks::on_header(nghttp2_session*, const nghttp2_frame* frame,
                              const std::uint8_t* name, std::size_t namelen,
                              const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                              void* user) noexcept {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    try {
        Http2Session& session = session_of(user);
        auto stream = session.find(frame->hd.stream_id);
        if (!stream) return 0;
        return session.add_header(*stream, view(name, namelen), view(value, valuelen),
                                  frame->headers.cat != NGHTTP2_HCAT_REQUEST);
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

int Http2Callbacks::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame,
                                  void* user) noexcept {
    try {
        session_of(user).frame_received(*frame);
        return 0;
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

int Http2Callbacks::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                                  const std::uint8_t* data, std::size_t len, void* user) noexcept {
    try {
        return session_of(user).data_received(stream_id, view(data, len));
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

int Http2Callbacks::on_frame_send(nghttp2_session*, const nghttp2_frame* frame,
                                  void* user) noexcept {
    try {
        session_of(user).frame_sent(*frame);
        return 0;
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

int Http2Callbacks::on_stream_close(nghttp2_session*, std::int32_t stream_id,
                                    std::uint32_t error_code, void* user) noexcept {
    try {
        session_of(user).stream_closed(stream_id, error_code);
        return 0;
    } catch (...) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

std::shared_ptr<Http2Stream> Http2Session::find(std::int32_t id) const {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second;
}

void Http2Session::begin_stream(std::int32_t id) {
    auto stream = std::make_shared<Http2Stream>(id);
    ++receiving_; // Http2Stream::receiving starts true
    stream->request.version(20);
    stream->context.site = &site_;
    stream->context.connection = &connection_;
    stream->context.stopping = &stopping_;
    stream->context.watch = stream.get();
    streams_[id] = std::move(stream);
}

int Http2Session::add_header(Http2Stream& stream, std::string_view name, std::string_view value,
                             bool trailer) {
    // Counted as HPACK counts a header list (RFC 9113 6.5.2), over every
    // HEADERS and CONTINUATION frame of the stream, trailers included:
    // decoding can expand a small block into a large list.
    stream.header_bytes += name.size() + value.size() + 32;
    if (stream.header_bytes > limits_.max_header_bytes) {
        stream.header_too_large = true;
        if (stream.header_bytes > kHeaderResetFactor * limits_.max_header_bytes) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // RST_STREAM
        }
        return 0;
    }
    if (trailer || stream.header_too_large) return 0; // trailers do not reach PHP
    Request& request = stream.request;
    if (name.starts_with(':')) {
        // nghttp2 has already checked the pseudo-headers (present, once,
        // before the others); :scheme says nothing the handler uses.
        if (name == ":method") {
            request.method_string(value);
        } else if (name == ":path") {
            request.target(value);
        } else if (name == ":authority") {
            stream.authority = value;
        }
        return 0;
    }
    request.insert(name, value);
    return 0;
}

void Http2Session::frame_received(const nghttp2_frame& frame) {
    const bool end_stream = (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame.hd.type) {
        case NGHTTP2_HEADERS: {
            auto stream = find(frame.hd.stream_id);
            if (!stream) return;
            if (frame.headers.cat == NGHTTP2_HCAT_REQUEST) headers_done(*stream);
            if (end_stream) request_complete(stream);
            return;
        }
        case NGHTTP2_DATA:
            if (end_stream) {
                if (auto stream = find(frame.hd.stream_id)) request_complete(stream);
            }
            return;
        case NGHTTP2_RST_STREAM:
            // Before nghttp2 closes the stream (stream_closed follows).
            if (auto stream = find(frame.hd.stream_id)) count_reset(*stream);
            return;
        default:
            return;
    }
}

void Http2Session::headers_done(Http2Stream& stream) {
    stream.headers_received = true;
    stream.last_received = std::chrono::steady_clock::now();
    Request& request = stream.request;
    // :authority stands for Host (RFC 9113 8.3.1); CGI reads Host.
    if (!stream.authority.empty()) request.set(http::field::host, stream.authority);
    stream.method = std::string(request.method_string());
    stream.target = std::string(request.target());
    if (auto it = request.find(http::field::referer); it != request.end())
        stream.referer = std::string(it->value());
    if (auto it = request.find(http::field::user_agent); it != request.end())
        stream.user_agent = std::string(it->value());

    if (stream.header_too_large) {
        answer_now(stream, 431);
        return;
    }
    // A declared body over the limit is refused before it is sent (nghttp2
    // has checked that Content-Length is a number and will match the DATA).
    if (auto it = request.find(http::field::content_length); it != request.end()) {
        const std::string_view text = it->value();
        std::uint64_t length = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
        if (ec != std::errc{} || length > limits_.max_body_bytes) answer_now(stream, 413);
    }
}

int Http2Session::data_received(std::int32_t id, std::string_view data) {
    auto stream = find(id);
    if (!stream || !stream->receiving) return 0; // answered already: nobody reads it
    stream->last_received = std::chrono::steady_clock::now();
    if (stream->request.body().size() + data.size() > limits_.max_body_bytes) {
        answer_now(*stream, 413);
        return 0;
    }
    // The body spools to a temporary file past 1 MiB; if that file cannot be
    // written the request cannot be served whole.
    if (!append_body(stream->request, data)) answer_now(*stream, 500);
    return 0;
}

void Http2Session::request_complete(const std::shared_ptr<Http2Stream>& stream) {
    stream->request_complete = true;
    stop_receiving(*stream);
    if (stream->answered || stream->dispatched) return;
    if (handlers_running_ >= limits_.max_concurrent_streams) {
        // Only reachable when reset streams' handlers are still running:
        // nghttp2 itself refuses streams beyond the advertised limit.
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_REFUSED_STREAM);
        return;
    }
    stream->dispatched = true;
    ++handlers_running_;
    arm_idle();
    // co_spawn starts the coroutine from the executor's queue, not from
    // inside this nghttp2 callback.
    asio::co_spawn(socket_.get_executor(), serve(stream), asio::detached);
}

asio::awaitable<void> Http2Session::serve(std::shared_ptr<Http2Stream> stream) {
    auto self = shared_from_this();
    Response response;
    try {
        response = co_await handler_(std::move(stream->request), stream->context);
    } catch (const std::exception& e) {
        spdlog::error("request {} failed: {}", stream->target, e.what());
        response = Response{};
        response.status = 500;
        response.fields.set(http::field::content_type, "text/plain; charset=utf-8");
        response.body = std::string("500 Internal Server Error\n");
    }
    --handlers_running_;
    if (stream->closed || closed_) {
        // The client reset the stream or the connection is gone.
        if (auto* body = std::get_if<std::shared_ptr<BodyStream>>(&response.body); body && *body)
            (*body)->cancel();
    } else if (!stream->answered) {
        submit(*stream, std::move(response));
        wake_writer();
    }
    arm_idle();
}

void Http2Session::answer_now(Http2Stream& stream, unsigned status) {
    stop_receiving(stream);
    Response response;
    response.status = status;
    response.fields.set(http::field::content_type, "text/plain; charset=utf-8");
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    response.body = std::to_string(status) + " " + std::string(reason.data(), reason.size()) + "\n";
    submit(stream, std::move(response));
    wake_writer();
}

void Http2Session::frame_sent(const nghttp2_frame& frame) {
    if (frame.hd.type != NGHTTP2_HEADERS && frame.hd.type != NGHTTP2_DATA) return;
    auto stream = find(frame.hd.stream_id);
    if (!stream) return;
    if (frame.hd.type == NGHTTP2_HEADERS) stream->headers_sent = true;
    if (frame.hd.type == NGHTTP2_DATA) stream->body_bytes_sent += frame.hd.length;
    if ((frame.hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return;
    stream->response_done = true;
    ++served_;
    // Answered before the request was complete (413, 431): ask the client
    // to stop sending without calling it an error (RFC 9113 8.1).
    if (!stream->request_complete) {
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_NO_ERROR);
    }
}

void Http2Session::count_reset(const Http2Stream& stream) {
    if (stream.response_done) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - reset_window_start_ > limits_.reset_window) {
        reset_window_start_ = now;
        premature_resets_ = 0;
        served_ = 0;
    }
    ++premature_resets_;
    if (premature_resets_ > limits_.max_premature_resets && premature_resets_ > served_) {
        spdlog::warn("{}:{} HTTP/2: {} streams reset before their response: closing (rapid reset)",
                     connection_.remote_address, connection_.remote_port, premature_resets_);
        goaway(false);
    }
}

void Http2Session::stream_closed(std::int32_t id, std::uint32_t error_code) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    auto stream = std::move(it->second);
    streams_.erase(it);
    stop_receiving(*stream);
    stream->closed = true;
    if (!stream->response_done || error_code != NGHTTP2_NO_ERROR) {
        // The script (if any) sees a client that went away.
        stream->aborted->store(true);
        if (auto* body = std::get_if<std::shared_ptr<BodyStream>>(&stream->body); body && *body)
            (*body)->cancel();
    }
    finish_stream(*stream);
}

void Http2Session::stop_receiving(Http2Stream& stream) {
    if (!stream.receiving) return;
    stream.receiving = false;
    --receiving_;
}

// HTTP/1.1's header_read and body timeouts, per stream: a stream that
// trickles is cut off even while other streams keep the connection busy
// (the idle timeout only runs while nothing is in flight).
void Http2Session::expire_stalled_requests() {
    const auto now = std::chrono::steady_clock::now();
    auto next = asio::steady_timer::time_point::max();
    std::vector<std::shared_ptr<Http2Stream>> stalled;
    for (const auto& [id, stream] : streams_) {
        if (!stream->receiving) continue;
        const auto deadline = stream->headers_received ? stream->last_received + limits_.body
                                                       : stream->started + limits_.header_read;
        if (deadline <= now) {
            stalled.push_back(stream);
        } else {
            next = std::min(next, deadline);
        }
    }
    for (const auto& stream : stalled) {
        if (stream->headers_received) {
            spdlog::debug("{}:{} HTTP/2 stream {}: request body stalled",
                          connection_.remote_address, connection_.remote_port, stream->id);
            answer_now(*stream, 408); // then RST_STREAM(NO_ERROR): see frame_sent
        } else {
            // A header block left open holds the whole connection: nothing
            // but its CONTINUATION may come next.
            spdlog::debug("{}:{} HTTP/2 stream {}: header block not finished in time",
                          connection_.remote_address, connection_.remote_port, stream->id);
            nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
            wake_writer();
            break;
        }
    }
    receive_deadline_.expires_at(receiving_ > 0 ? next : asio::steady_timer::time_point::max());
}

} // namespace ephpm::server
