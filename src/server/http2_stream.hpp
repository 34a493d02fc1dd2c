#pragma once
// One HTTP/2 stream as Http2Session tracks it: the request being received,
// then the response being sent. Lives in the session's map from its first
// HEADERS until nghttp2 closes it; the handler's coroutine holds it too, and
// learns from `closed` that nobody waits for its response any more.

#include <nghttp2/nghttp2.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "server/http_types.hpp"
#include "server/request_handler.hpp"
#include "server/response.hpp"

namespace ephpm::server {

struct Http2Stream final : ClientWatch {
    explicit Http2Stream(std::int32_t stream_id) : id(stream_id) {}
    Http2Stream(const Http2Stream&) = delete;
    Http2Stream& operator=(const Http2Stream&) = delete;
    ~Http2Stream() = default;

    // A reset stream or a closed connection sets `aborted` (the session
    // notices both without a read of its own), so watching is handing it out.
    std::shared_ptr<std::atomic<bool>> watch_client() override { return aborted; }

    std::int32_t id;
    // When its first HEADERS arrived (the access log's time and duration).
    std::chrono::system_clock::time_point arrived = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    // Receiving.
    Request request;
    std::string authority;
    std::size_t header_bytes = 0;
    bool header_too_large = false;
    bool request_complete = false; // END_STREAM received
    // The request is still arriving and will be answered when it is
    // complete: its header_read and body deadlines run.
    bool receiving = true;
    bool headers_received = false;
    std::chrono::steady_clock::time_point last_received = started;
    std::shared_ptr<std::atomic<bool>> aborted = std::make_shared<std::atomic<bool>>(false);
    RequestContext context;

    // Answering.
    bool dispatched = false; // handed to the handler
    bool answered = false;   // response submitted
    bool headers_sent = false;
    bool response_done = false; // END_STREAM sent
    bool closed = false;
    bool logged = false;
    unsigned status = 0;
    std::variant<std::string, FileBody, std::shared_ptr<BodyStream>> body;
    std::uint64_t offset = 0;      // string / file: next byte to send
    std::uint64_t remaining = 0;   // string / file: bytes left
    bool waiting_for_body = false; // a readable() wait is under way
    bool body_failed = false;      // BodyStream reported failure: reset next
    std::uint64_t body_bytes_sent = 0;

    // Access log.
    std::string method, target, referer, user_agent;
};

} // namespace ephpm::server

namespace ephpm::server {

// nghttp2's C callbacks, each forwarding to the Http2Session in user_data.
// None throws: an exception becomes NGHTTP2_ERR_CALLBACK_FAILURE.
struct Http2Callbacks {
    static void install(nghttp2_session_callbacks* callbacks); // http2_requests.cpp

    // http2_requests.cpp
    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) noexcept;
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                         std::uint8_t flags, void* user) noexcept;
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) noexcept;
    static int on_data_chunk(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                             const std::uint8_t* data, std::size_t len, void* user) noexcept;
    static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) noexcept;
    static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                               void* user) noexcept;

    // The data provider's read callback (http2_responses.cpp).
    static ssize_t read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buf,
                             std::size_t length, std::uint32_t* data_flags,
                             nghttp2_data_source* source, void* user_data) noexcept;
};

} // namespace ephpm::server
