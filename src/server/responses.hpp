#pragma once
// Responses the server makes itself (errors, redirects, 503) and the final
// touches every response gets (Date, keep-alive, HEAD without a body).

#include <string_view>

#include "server/http_types.hpp"

namespace ephpm::server {

// How a response must be finished for the request it answers.
struct ReplyOptions {
    unsigned version = 11; // the request's HTTP version (10 or 11)
    bool keep_alive = true;
    bool head = false; // HEAD: headers (with the Content-Length) but no body
};

// Adds Date and Connection, sets Content-Length from the body (none for
// 1xx/204/304), and drops the body for HEAD.
http::message_generator finish(http::response<http::string_body>&& response,
                               const ReplyOptions& options);

// "404 Not Found\n" as text/plain.
http::message_generator error_response(unsigned status, const ReplyOptions& options);

// 301 to `location` with a short text body.
http::message_generator redirect_response(unsigned status, std::string_view location,
                                          const ReplyOptions& options);

} // namespace ephpm::server
