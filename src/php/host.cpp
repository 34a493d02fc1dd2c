#include "php/host.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <span>
#include <vector>

namespace ephpm::php {
namespace {

const char* c_str_or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

double now_seconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

spdlog::level::level_enum spdlog_level(int syslog_level) {
    // syslog: 0 emerg .. 3 err, 4 warning, 5 notice, 6 info, 7 debug
    if (syslog_level <= 3) return spdlog::level::err;
    if (syslog_level == 4) return spdlog::level::warn;
    if (syslog_level <= 6) return spdlog::level::info;
    return spdlog::level::debug;
}

} // namespace

const ephpm_host_vtable HostRequest::kVtable = {
    &HostRequest::write,     &HostRequest::flush, &HostRequest::send_headers,
    &HostRequest::read_body, &HostRequest::log,
};

HostRequest::HostRequest(const ScriptJob& job) : job_(job) {
    vars_.reserve(job.server_vars.size());
    for (const auto& [name, value] : job.server_vars) {
        vars_.push_back({{name.c_str(), name.size()}, {value.c_str(), value.size()}});
    }
    request_.method = job.method.c_str();
    request_.request_uri = job.request_uri.c_str();
    request_.query_string = job.query_string.c_str();
    request_.script_filename = job.script_filename.c_str();
    request_.content_type = c_str_or_null(job.content_type);
    request_.content_length = job.content_length;
    request_.cookie = c_str_or_null(job.cookie);
    request_.authorization = c_str_or_null(job.authorization);
    request_.request_time = job.request_time > 0 ? job.request_time : now_seconds();
    request_.server_vars = vars_.data();
    request_.server_var_count = vars_.size();
    request_.host = &kVtable;
    request_.host_ctx = this;
}

int HostRequest::write(void* ctx, const char* data, std::size_t len) noexcept {
    auto* self = static_cast<HostRequest*>(ctx);
    if (self->job_.aborted && self->job_.aborted->load(std::memory_order_relaxed)) return 1;
    if (self->job_.sink == nullptr) return 0;
    return self->job_.sink->on_body({data, len}) ? 0 : 1;
}

void HostRequest::flush(void* ctx) noexcept {
    auto* self = static_cast<HostRequest*>(ctx);
    if (self->job_.sink != nullptr) self->job_.sink->on_flush();
}

void HostRequest::send_headers(void* ctx, int status, const ephpm_header* headers,
                               std::size_t count) noexcept {
    auto* self = static_cast<HostRequest*>(ctx);
    self->status_ = status;
    self->headers_sent_ = true;
    if (self->job_.sink == nullptr) return;
    // The usual handful of headers is viewed from the stack; only a script
    // sending more than that costs an allocation.
    std::array<HeaderView, 32> on_stack;
    std::vector<HeaderView> on_heap;
    std::span<HeaderView> views;
    if (count <= on_stack.size()) {
        views = std::span(on_stack).first(count);
    } else {
        try {
            on_heap.resize(count);
        } catch (...) {
            return; // out of memory: the response goes out without headers
        }
        views = on_heap;
    }
    for (std::size_t i = 0; i < count; ++i) {
        views[i] = {{headers[i].name.data, headers[i].name.len},
                    {headers[i].value.data, headers[i].value.len}};
    }
    self->job_.sink->on_headers(status, views);
}

std::size_t HostRequest::read_body(void* ctx, char* buf, std::size_t len) noexcept {
    auto* self = static_cast<HostRequest*>(ctx);
    if (self->job_.body == nullptr) return 0;
    return self->job_.body->read({buf, len});
}

void HostRequest::log(void* ctx, int level, const char* message, std::size_t len) noexcept {
    auto* self = static_cast<HostRequest*>(ctx);
    try {
        spdlog::log(spdlog_level(level), "php: {} [{} {}]", std::string_view(message, len),
                    self->job_.method, self->job_.request_uri);
    } catch (...) {
        // Logging must never unwind into PHP.
    }
}

} // namespace ephpm::php
