#include "php/php_environment.hpp"

#include <gtest/gtest.h>

#include <strings.h>
#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

namespace ephpm::testing {
namespace {

std::unique_ptr<php::Runtime> g_runtime;
std::unique_ptr<php::Pool> g_pool;
std::unique_ptr<php::Pool> g_single_pool;

class PhpEnvironment final : public ::testing::Environment {
public:
    void SetUp() override {
        php::PhpSettings settings;
        settings.max_execution_time = 5;
        settings.memory_limit = "128M";
        settings.ini_file = std::string(EPHPM_FIXTURES_DIR) + "/ephpm-test.ini";
        // OPcache skips files changed in the last 2 s; fixtures may be fresh.
        settings.ini_overrides.emplace_back("opcache.file_update_protection", "0");
        g_runtime = std::make_unique<php::Runtime>(settings, kThreads + 1);
        g_pool = std::make_unique<php::Pool>(*g_runtime, php::PoolOptions{kThreads, 0});
        g_single_pool = std::make_unique<php::Pool>(*g_runtime, php::PoolOptions{1, 0});
    }
    void TearDown() override {
        g_single_pool.reset(); // threads detach before the engine shuts down
        g_pool.reset();
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
php::Pool& single_thread_pool() { return *g_single_pool; }

void CapturedResponse::on_headers(int code, std::span<const php::HeaderView> list) noexcept {
    std::lock_guard lock(mutex_);
    status = code;
    for (const auto& h : list) headers.emplace_back(h.name, h.value);
    events.emplace_back("headers");
}

bool CapturedResponse::on_body(std::string_view bytes) noexcept {
    std::lock_guard lock(mutex_);
    body.append(bytes);
    events.push_back("body:" + std::string(bytes));
    return gone_after_bytes == 0 || body.size() <= gone_after_bytes;
}

void CapturedResponse::on_flush() noexcept {
    std::lock_guard lock(mutex_);
    events.emplace_back("flush");
}

std::vector<std::string> CapturedResponse::values(std::string_view name) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
        if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
            out.push_back(v);
        }
    }
    return out;
}

std::string CapturedResponse::value(std::string_view name) const {
    auto all = values(name);
    return all.empty() ? std::string() : all.front();
}

bool CapturedResponse::wait_for_output(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(mutex_);
            if (!body.empty()) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

std::size_t StringBody::read(std::span<char> buffer) noexcept {
    const std::size_t n = std::min(buffer.size(), data_.size() - offset_);
    std::memcpy(buffer.data(), data_.data() + offset_, n);
    offset_ += n;
    return n;
}

std::string fixture_path(const std::string& name) {
    return std::string(EPHPM_FIXTURES_DIR) + "/" + name;
}

php::ScriptJob fixture_job(const std::string& name, CapturedResponse& sink,
                           const std::string& query) {
    php::ScriptJob job;
    job.script_filename = fixture_path(name);
    job.request_uri = "/" + name + (query.empty() ? "" : "?" + query);
    job.query_string = query;
    job.sink = &sink;
    return job;
}

nlohmann::json run_json(php::Pool& on, php::ScriptJob job) {
    auto* sink = static_cast<CapturedResponse*>(job.sink);
    auto result = on.execute(std::move(job));
    EXPECT_EQ(result.outcome, php::Outcome::ok) << sink->body;
    return nlohmann::json::parse(sink->body);
}

} // namespace ephpm::testing
