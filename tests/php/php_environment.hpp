#pragma once
// The PHP runtime and pools shared by every test in ephpm_php_tests: PHP can
// start once per process, so a GoogleTest environment owns them.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/runtime.hpp"
#include "ephpm/php/script.hpp"

namespace ephpm::testing {

php::Runtime& runtime();
php::Pool& pool();               // 8 threads
php::Pool& single_thread_pool(); // 1 thread: "the same thread serves the next request"

// Collects what a script sends, and the order in which it arrived.
class CapturedResponse final : public php::ResponseSink {
public:
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::vector<std::string> events; // "headers", "body:<bytes>", "flush"
    // When set, on_body reports the client gone once the body exceeds this.
    std::size_t gone_after_bytes = 0;

    void on_headers(int code, std::span<const php::HeaderView> list) noexcept override;
    bool on_body(std::string_view bytes) noexcept override;
    void on_flush() noexcept override;

    // Every value of a header (case-insensitive name).
    [[nodiscard]] std::vector<std::string> values(std::string_view name) const;
    [[nodiscard]] std::string value(std::string_view name) const;
    // Waits (up to `timeout`) until the script has sent something.
    bool wait_for_output(std::chrono::milliseconds timeout) const;

private:
    mutable std::mutex mutex_;
};

// A body held in memory, handed out in the chunks PHP asks for.
class StringBody final : public php::BodySource {
public:
    explicit StringBody(std::string data) : data_(std::move(data)) {}
    std::size_t read(std::span<char> buffer) noexcept override;

private:
    std::string data_;
    std::size_t offset_ = 0;
};

// A job for tests/fixtures/<name>.
php::ScriptJob fixture_job(const std::string& name, CapturedResponse& sink,
                           const std::string& query = "");

std::string fixture_path(const std::string& name);

// Runs `job` on `on`, expects a normal ending, and parses the output as JSON.
nlohmann::json run_json(php::Pool& on, php::ScriptJob job);

} // namespace ephpm::testing
