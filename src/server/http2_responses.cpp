// The sending half of Http2Session: a Response becomes HEADERS plus an
// nghttp2 data provider that pulls the body in frame-sized pieces when flow
// control allows (a string is copied from, a file read with pread, PHP
// output read as it arrives), and each finished stream gets its access log
// line.

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "server/http2_session.hpp"
#include "server/http2_stream.hpp"
#include "server/http_date.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;

// Connection-specific fields have no place in HTTP/2 (RFC 9113 8.2.2); the
// length is ours to state.
bool dropped_field(std::string_view lower_name) {
    static constexpr std::array<std::string_view, 7> kDropped = {
        "connection",     "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "content-length", "te"};
    return std::find(kDropped.begin(), kDropped.end(), lower_name) != kDropped.end();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

nghttp2_nv make_nv(const std::string& name, const std::string& value) {
    // nghttp2 copies names and values on submit (no NO_COPY flags).
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
}

bool body_allowed(unsigned status) { return status >= 200 && status != 204 && status != 304; }

} // namespace

void Http2Session::submit(Http2Stream& stream, Response response) {
    stream.answered = true;
    stream.status = response.status;
    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(8);
    fields.emplace_back(":status", std::to_string(response.status));
    bool has_date = false;
    for (const auto& field : response.fields) {
        std::string name = lower(sv(field.name_string()));
        if (dropped_field(name)) continue;
        has_date = has_date || name == "date";
        fields.emplace_back(std::move(name), std::string(field.value()));
    }
    if (!has_date) fields.emplace_back("date", std::string(http_date_now()));

    const bool with_body = body_allowed(response.status);
    std::optional<std::uint64_t> length = response.content_length;
    if (!length) {
        if (const auto* text = std::get_if<std::string>(&response.body)) length = text->size();
        if (const auto* file = std::get_if<FileBody>(&response.body)) length = file->length;
    }
    if (length && with_body) fields.emplace_back("content-length", std::to_string(*length));

    std::vector<nghttp2_nv> nva;
    nva.reserve(fields.size());
    for (const auto& [name, value] : fields) nva.push_back(make_nv(name, value));

    int rv = 0;
    if (response.head || !with_body) {
        // HEADERS with END_STREAM; output a script still produces is not read.
        if (auto* body = std::get_if<std::shared_ptr<BodyStream>>(&response.body); body && *body)
            (*body)->cancel();
        rv = nghttp2_submit_response(session_, stream.id, nva.data(), nva.size(), nullptr);
    } else {
        stream.body = std::move(response.body);
        if (const auto* text = std::get_if<std::string>(&stream.body)) {
            stream.offset = 0;
            stream.remaining = text->size();
        } else if (const auto* file = std::get_if<FileBody>(&stream.body)) {
            stream.offset = file->offset;
            stream.remaining = file->length;
        }
        nghttp2_data_provider provider{};
        provider.source.ptr = &stream;
        provider.read_callback = &Http2Callbacks::read_body;
        rv = nghttp2_submit_response(session_, stream.id, nva.data(), nva.size(), &provider);
    }
    if (rv != 0) {
        spdlog::debug("HTTP/2 stream {}: cannot submit response: {}", stream.id,
                      nghttp2_strerror(rv));
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_INTERNAL_ERROR);
    }
}

// Called by nghttp2 from inside mem_send, on the connection's io thread. `source` points at
// the stream, which stays in the session's map until nghttp2 closes it.
ssize_t Http2Callbacks::read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf,
                                  std::size_t length, std::uint32_t* data_flags,
                                  nghttp2_data_source* source, void* user) noexcept {
    auto& stream = *static_cast<Http2Stream*>(source->ptr);
    auto& session = *static_cast<Http2Session*>(user);
    try {
        if (auto* text = std::get_if<std::string>(&stream.body)) {
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(length, stream.remaining));
            std::memcpy(buf, text->data() + stream.offset, n);
            stream.offset += n;
            stream.remaining -= n;
            if (stream.remaining == 0) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
            return static_cast<ssize_t>(n);
        }
        if (auto* file = std::get_if<FileBody>(&stream.body)) {
            if (stream.remaining == 0) {
                *data_flags |= NGHTTP2_DATA_FLAG_EOF;
                return 0;
            }
            const auto want =
                static_cast<std::size_t>(std::min<std::uint64_t>(length, stream.remaining));
            ssize_t n = 0;
            do {
                n = ::pread(file->file.native_handle(), buf, want,
                            static_cast<off_t>(stream.offset));
            } while (n < 0 && errno == EINTR);
            if (n <= 0) {
                // Unreadable, or shorter than it was when the response began:
                // the client must not take a truncated body for the file.
                spdlog::warn("HTTP/2 stream {}: reading the file failed", stream.id);
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
            }
            stream.offset += static_cast<std::uint64_t>(n);
            stream.remaining -= static_cast<std::uint64_t>(n);
            if (stream.remaining == 0) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
            return n;
        }
        auto& body = std::get<std::shared_ptr<BodyStream>>(stream.body);
        if (stream.body_failed || !body) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        const BodyStream::Read read =
            body->read_some(std::span<char>(reinterpret_cast<char*>(buf), length));
        if (read.failed) {
            // Send what came before the failure, then reset (INTERNAL_ERROR):
            // the client can tell the body is incomplete.
            if (read.bytes == 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
            stream.body_failed = true;
            return static_cast<ssize_t>(read.bytes);
        }
        if (read.end) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        if (read.bytes == 0 && !read.end) {
            session.await_body(session.find(stream.id));
            return NGHTTP2_ERR_DEFERRED;
        }
        return static_cast<ssize_t>(read.bytes);
    } catch (...) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
}

void Http2Session::await_body(const std::shared_ptr<Http2Stream>& stream) {
    if (!stream || stream->waiting_for_body) return;
    auto body = std::get<std::shared_ptr<BodyStream>>(stream->body);
    stream->waiting_for_body = true;
    ++producing_;
    arm_idle();
    asio::co_spawn(
        socket_.get_executor(),
        [](std::shared_ptr<Http2Session> self, std::shared_ptr<Http2Stream> s,
           std::shared_ptr<BodyStream> b) -> asio::awaitable<void> {
            try {
                co_await b->readable();
            } catch (const std::exception& e) {
                spdlog::debug("HTTP/2 stream {}: waiting for output: {}", s->id, e.what());
            }
            s->waiting_for_body = false;
            --self->producing_;
            if (!s->closed && !self->closed_) {
                nghttp2_session_resume_data(self->session_, s->id);
                self->wake_writer();
            }
            self->arm_idle();
        }(shared_from_this(), stream, std::move(body)),
        asio::detached);
}

void Http2Session::finish_stream(Http2Stream& stream) {
    if (stream.logged || (!stream.dispatched && !stream.answered)) return;
    stream.logged = true;
    if (site_.access_log == nullptr) return;
    AccessRecord record;
    record.time = stream.arrived;
    record.remote_address = connection_.remote_address;
    record.method = stream.method;
    record.target = stream.target;
    record.protocol = "HTTP/2.0";
    record.status = stream.headers_sent ? stream.status : 0;
    record.body_bytes = stream.body_bytes_sent;
    record.referer = stream.referer;
    record.user_agent = stream.user_agent;
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - stream.started);
    site_.access_log->write(record);
}

} // namespace ephpm::server
