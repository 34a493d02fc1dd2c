#include "php/php_environment.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace ephpm::testing {
namespace {

std::unique_ptr<php::Runtime> g_runtime;
std::unique_ptr<php::Pool> g_pool;

class PhpEnvironment final : public ::testing::Environment {
public:
    void SetUp() override {
        php::PhpSettings settings;
        settings.max_execution_time = 5;
        // OPcache skips files changed in the last 2 s; fixtures may be fresh.
        settings.ini_overrides.emplace_back("opcache.file_update_protection", "0");
        g_runtime = std::make_unique<php::Runtime>(settings, kThreads);
        g_pool = std::make_unique<php::Pool>(*g_runtime, php::PoolOptions{kThreads, 0});
    }
    void TearDown() override {
        g_pool.reset(); // threads detach before the engine shuts down
        g_runtime.reset();
    }

private:
    static constexpr int kThreads = 8;
};

[[maybe_unused]] auto* const g_environment =
    ::testing::AddGlobalTestEnvironment(new PhpEnvironment);

} // namespace

php::Runtime& runtime() { return *g_runtime; }
php::Pool& pool() { return *g_pool; }

void CapturedResponse::on_headers(int code, std::span<const php::HeaderView> list) noexcept {
    status = code;
    for (const auto& h : list) headers.emplace_back(h.name, h.value);
}

bool CapturedResponse::on_body(std::string_view bytes) noexcept {
    body.append(bytes);
    return true;
}

php::ScriptJob fixture_job(const std::string& name, CapturedResponse& sink) {
    php::ScriptJob job;
    job.script_filename = std::string(EPHPM_FIXTURES_DIR) + "/" + name;
    job.request_uri = "/" + name;
    job.sink = &sink;
    return job;
}

} // namespace ephpm::testing
