#pragma once
// The Beast types every part of the HTTP/1.1 side shares.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/request_body.hpp"

#include <string_view>

namespace ephpm::server {

namespace http = boost::beast::http;

// The whole request, body included: it is read (bounded by max_body_size)
// before the request is handled.
using Request = http::request<SpooledBody>;

// How the sessions add request body bytes (HTTP/1.1's parser, HTTP/2's DATA
// frames), so the body's storage can change in one place. False when the
// bytes could not be stored (the temporary file failed): answer 500.
inline bool append_body(Request& request, std::string_view bytes) {
    return request.body().append(bytes);
}

// Beast's string_view as std::string_view (for fmt and our own helpers).
inline std::string_view sv(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }

} // namespace ephpm::server
