#pragma once
// Every limit and timeout of the HTTP server in one place. They are constants
// for now; each is meant to become a config key when someone needs to tune it.

#include <chrono>
#include <cstddef>

namespace ephpm::server {

// Request line plus header fields; larger -> 431.
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// Request body (Content-Length or chunked); larger -> 413. The body is read
// into memory before PHP starts, so this also bounds memory per connection.
inline constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;
// A PHP response is buffered whole before it is written (no streaming yet);
// a script producing more than this is treated as if the client went away.
inline constexpr std::size_t kMaxBufferedResponseBytes = 256 * 1024 * 1024;

// From the first byte of a request to its last header byte, and how long a
// fresh connection may stay silent.
inline constexpr std::chrono::seconds kHeaderTimeout{30};
// How long a kept-alive connection may sit idle between requests.
inline constexpr std::chrono::seconds kKeepAliveTimeout{30};
// Reading the request body.
inline constexpr std::chrono::seconds kBodyTimeout{60};
// Without any write progress (the deadline is renewed after each write).
inline constexpr std::chrono::seconds kWriteTimeout{60};

// Graceful shutdown: how long in-flight requests may take before their
// connections are closed.
inline constexpr std::chrono::seconds kShutdownGrace{10};

// After an error response that leaves unread request bytes, how long (and how
// much) we keep reading before closing, so the client sees the response
// instead of a connection reset.
inline constexpr std::chrono::seconds kLingerTimeout{2};
inline constexpr std::size_t kLingerBytes = 1024 * 1024;

} // namespace ephpm::server
