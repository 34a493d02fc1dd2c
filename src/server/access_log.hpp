#pragma once
// One line per finished request, written by both protocols' sessions.

#include <chrono>
#include <cstdint>
#include <string_view>

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

} // namespace ephpm::server
