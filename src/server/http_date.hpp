#pragma once
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Date, Last-Modified and
// If-Modified-Since.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace ephpm::server {

std::string format_http_date(std::time_t time);

// The current time, formatted; cached per second and per thread because
// every response carries it. The view stays valid on this thread until the
// next call.
std::string_view http_date_now();

// Parses IMF-fixdate only (the form RFC 9110 requires senders to use);
// nullopt for anything else, which callers treat as "no condition".
std::optional<std::time_t> parse_http_date(std::string_view text);

} // namespace ephpm::server
