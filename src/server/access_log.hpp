#pragma once
// One line per finished request, written by both protocols' sessions.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ephpm/config/config.hpp"

namespace ephpm::server {

struct AccessRecord {
    std::chrono::system_clock::time_point time; // when the request arrived
    std::string_view remote_address;
    std::string_view method;
    std::string_view target;      // as received
    std::string_view protocol;    // "HTTP/1.0", "HTTP/1.1", "HTTP/2.0"
    unsigned status = 0;          // as sent; 0 when nothing was sent
    std::uint64_t body_bytes = 0; // response body bytes sent
    std::string_view referer;     // empty when absent
    std::string_view user_agent;  // empty when absent
    std::chrono::microseconds duration{0};
};

class AccessLog {
public:
    virtual ~AccessLog() = default;
    // Thread-safe; never throws.
    virtual void write(const AccessRecord& record) noexcept = 0;
};

// Apache/nginx "combined", one line with its '\n':
//   127.0.0.1 - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 512 "-" "curl/8.5.0"
// The time is local with its UTC offset (month names are English whatever
// the locale). '"' and '\' in the quoted fields become \" and \\, control
// bytes \xHH, so a client cannot forge a line or a field; absent referer and
// user agent are "-".
std::string format_combined(const AccessRecord& record);

// One JSON object and '\n': time (UTC, ISO 8601 with milliseconds),
// remote_addr, method, target, protocol, status, body_bytes, referer,
// user_agent, duration_us. Bytes that are not UTF-8 become U+FFFD.
std::string format_json(const AccessRecord& record);

// The log `settings` asks for: nullptr for "off"; stdout; or the file opened
// for appending (created 0644). Throws std::runtime_error naming the file
// when it cannot be opened.
std::unique_ptr<AccessLog> open_access_log(const config::LoggingSettings& settings);

} // namespace ephpm::server
