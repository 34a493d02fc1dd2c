#pragma once
// The HTTP server's fixed limits and timeouts. What can be tuned lives in
// [server.request] and [server.timeouts] (config::ServerSettings, reached
// through SiteContext::settings); these are the ones nobody has needed to.

#include <chrono>
#include <cstddef>

namespace ephpm::server {

// Without any write progress (the deadline is renewed after each write).
inline constexpr std::chrono::seconds kWriteTimeout{60};

// After an error response that leaves unread request bytes, how long (and how
// much) we keep reading before closing, so the client sees the response
// instead of a connection reset.
inline constexpr std::chrono::seconds kLingerTimeout{2};
inline constexpr std::size_t kLingerBytes = 1024 * 1024;

} // namespace ephpm::server
