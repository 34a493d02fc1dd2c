#pragma once
// One PHP request as the rest of the server sees it: what goes in (ScriptJob),
// where the output goes (ResponseSink), where the body comes from
// (BodySource), and how it ended (ScriptResult).

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ephpm::php {

struct HeaderView {
    std::string_view name;
    std::string_view value;
};

// Receives a script's response. Called on the PHP thread, so implementations
// must be thread-safe towards the network side and must not throw.
class ResponseSink {
public:
    virtual ~ResponseSink() = default;
    // Status and headers, exactly once, before any body bytes.
    virtual void on_headers(int status, std::span<const HeaderView> headers) noexcept = 0;
    // A chunk of body. Returns false when the client is gone.
    virtual bool on_body(std::string_view bytes) noexcept = 0;
    // PHP's flush(): what was written so far should reach the client now.
    virtual void on_flush() noexcept = 0;
};

// Supplies the request body in chunks, so a large upload never has to sit in
// memory whole. Called on the PHP thread.
class BodySource {
public:
    virtual ~BodySource() = default;
    // Copies up to buffer.size() bytes; returns how many, 0 at the end.
    virtual std::size_t read(std::span<char> buffer) noexcept = 0;
};

struct ScriptJob {
    std::string method = "GET";
    std::string request_uri = "/";
    std::string query_string;
    std::string script_filename; // absolute path
    std::string content_type;    // empty when absent
    std::int64_t content_length = -1;
    std::string cookie;        // combined Cookie header, empty when absent
    std::string authorization; // empty when absent
    double request_time = 0;   // seconds since the epoch; 0 means "now"
    std::vector<std::pair<std::string, std::string>> server_vars;
    // Borrowed: must outlive the execution.
    ResponseSink* sink = nullptr;
    BodySource* body = nullptr; // null: empty body
    // Set by the network side when the client disconnects: the script stops
    // at its next output that reaches the server (unless it called
    // ignore_user_abort(true)), and connection_aborted() reports it.
    std::shared_ptr<const std::atomic<bool>> aborted;
};

enum class Outcome {
    ok,             // ran to the end or called exit()
    fatal,          // fatal error, parse error, uncaught exception
    timeout,        // max_execution_time
    memory,         // memory_limit
    aborted,        // the client went away
    not_found,      // the script could not be opened
    startup_failed, // PHP could not start the request
    overloaded,     // the pool's queue was full; PHP never ran
};

std::string_view to_string(Outcome outcome) noexcept;

struct ScriptResult {
    Outcome outcome = Outcome::ok;
    int status = 0; // the status PHP sent (0 if headers never went out)
    bool headers_sent = false;
    int exit_status = 0;
    // The script failed (fatal, timeout, memory) with display_errors off:
    // none of its output should reach the client, only http_status_for().
    bool discard_output = false;
};

// The one mapping from how a script ended to the HTTP status of the response.
// Used when the script's own headers have not gone out yet.
int http_status_for(const ScriptResult& result) noexcept;

} // namespace ephpm::php
