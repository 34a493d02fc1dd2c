#pragma once
// The PHP runtime and pool shared by every test in ephpm_php_tests: PHP can
// start once per process, so a GoogleTest environment owns them.

#include <string>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/runtime.hpp"
#include "ephpm/php/script.hpp"

namespace ephpm::testing {

php::Runtime& runtime();
php::Pool& pool();

// Collects what a script sends.
struct CapturedResponse final : php::ResponseSink {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int flushes = 0;

    void on_headers(int code, std::span<const php::HeaderView> list) noexcept override;
    bool on_body(std::string_view bytes) noexcept override;
    void on_flush() noexcept override { ++flushes; }
};

// A job for tests/fixtures/<name>.
php::ScriptJob fixture_job(const std::string& name, CapturedResponse& sink);

} // namespace ephpm::testing
