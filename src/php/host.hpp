#pragma once
// The C++ side of the bridge's host vtable: turns a ScriptJob into the C
// request struct and routes the SAPI callbacks to the job's sink and body.

#include <string>
#include <vector>

#include "ephpm/php/script.hpp"
#include "php/bridge/bridge.h"

namespace ephpm::php {

// Everything one execute call borrows: owned here, on the PHP thread's stack
// frame above the bridge's setjmp, and lent to C as `host_ctx`.
class HostRequest {
public:
    explicit HostRequest(const ScriptJob& job);
    HostRequest(const HostRequest&) = delete;
    HostRequest& operator=(const HostRequest&) = delete;

    [[nodiscard]] const ephpm_request& c_request() const noexcept { return request_; }
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] bool headers_sent() const noexcept { return headers_sent_; }

private:
    static int write(void* ctx, const char* data, std::size_t len) noexcept;
    static void flush(void* ctx) noexcept;
    static void send_headers(void* ctx, int status, const ephpm_header* headers,
                             std::size_t count) noexcept;
    static std::size_t read_body(void* ctx, char* buf, std::size_t len) noexcept;
    static void log(void* ctx, int level, const char* message, std::size_t len) noexcept;
    static const ephpm_host_vtable kVtable;

    const ScriptJob& job_;
    std::vector<ephpm_header> vars_;
    ephpm_request request_{};
    int status_ = 0;
    bool headers_sent_ = false;
};

} // namespace ephpm::php
