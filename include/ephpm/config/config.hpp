#pragma once
// The whole configuration as plain values with their defaults. Loading
// (file, EPHPM_* environment, CLI flags) lives in ephpm/config/load.hpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ephpm/php/runtime.hpp"

namespace ephpm::config {

// [server.request]
struct RequestSettings {
    // Request body (Content-Length or chunked); larger -> 413 before it is read.
    std::uint64_t max_body_size = 8 * 1024 * 1024;
    // Request line plus header fields; larger -> 431.
    std::uint64_t max_header_size = 16 * 1024;
};

// [server.timeouts]
struct TimeoutSettings {
    // From a connection's first byte (or a request's first byte) to the end of
    // its header; then 408 and close.
    std::chrono::milliseconds header_read{30'000};
    // The longest silence while a request body arrives (renewed by every
    // read, like nginx's client_body_timeout); then 408 and close.
    std::chrono::milliseconds body{60'000};
    // How long a kept-alive connection may sit idle between requests.
    std::chrono::milliseconds idle{60'000};
    // How long a PHP request may take before the client gets 504, whatever
    // PHP is doing. 0: no limit beyond PHP's own max_execution_time.
    std::chrono::milliseconds request{60'000};
    // Graceful shutdown: how long in-flight requests may take to finish.
    std::chrono::milliseconds shutdown{10'000};
};

enum class HiddenFiles { deny, ignore, allow }; // 403 | 404 | serve

// [server.static]
struct StaticSettings {
    std::string cache_control; // empty: no Cache-Control header
    HiddenFiles hidden_files = HiddenFiles::deny;
    bool etag = true;
};

struct ServerSettings {
    std::string listen = "127.0.0.1:8080"; // host:port, [v6]:port
    std::string document_root = ".";       // made absolute by the loader
    std::vector<std::string> index_files = {"index.php", "index.html"};
    // Tried in order for a path that is not a file (try_files): "$uri" (a
    // file), "$uri/" (a directory), and last a URI to rewrite to internally.
    std::vector<std::string> fallback = {"$uri", "$uri/", "/index.php?$query_string"};
    // Threads doing network I/O, HTTP parsing and static files (PHP runs on
    // its own threads); 0: see default_io_thread_count().
    int io_threads = 0;
    RequestSettings request;
    TimeoutSettings timeouts;
    StaticSettings static_files; // [server.static]
};

enum class AccessFormat { combined, json };

struct LoggingSettings {
    std::string level = "info"; // trace, debug, info, warn, error, off
    // Access log destination: a file path, "stdout", or "off".
    std::string access = "stdout";
    AccessFormat access_format = AccessFormat::combined;
};

struct Config {
    ServerSettings server;
    LoggingSettings logging;
    php::PhpSettings php;
};

} // namespace ephpm::config
