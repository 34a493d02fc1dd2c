#pragma once
// Responses the server makes itself (errors, redirects, 503) and the final
// touches every response gets for the request it answers (HEAD, keep-alive).
// The connection adds Date and the framing when it serializes them.

#include <string>
#include <string_view>

#include "server/http_types.hpp"
#include "server/response.hpp"

namespace ephpm::server {

// How a response must be finished for the request it answers.
struct ReplyOptions {
    unsigned version = 11; // the request's HTTP version (10 or 11)
    bool keep_alive = true;
    bool head = false; // HEAD: headers (with the Content-Length) but no body
};

// 1xx, 204 and 304 never carry a body (nor a Content-Length).
bool status_forbids_body(unsigned status) noexcept;

// `status` with `text` as a text/plain body whose length is recorded.
Response text_response(unsigned status, std::string text);

// Records HEAD and keep-alive from `options` on `response`.
Response finish(Response&& response, const ReplyOptions& options);

// "404 Not Found\n" as text/plain.
Response error_response(unsigned status, const ReplyOptions& options);

// 301 to `location` with a short text body.
Response redirect_response(unsigned status, std::string_view location, const ReplyOptions& options);

} // namespace ephpm::server
