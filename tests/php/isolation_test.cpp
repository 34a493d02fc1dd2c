// Nothing leaks from one request to the next on the same thread; sessions
// and OPcache work across requests and threads.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

nlohmann::json state_seen_by_a_request() {
    CapturedResponse out;
    return run_json(single_thread_pool(), fixture_job("isolation.php", out));
}

TEST(Isolation, NothingLeaksBetweenRequestsOnOneThread) {
    const auto first = state_seen_by_a_request();
    const auto second = state_seen_by_a_request();
    // The first request may run on a thread that served others; what matters
    // is that the second sees exactly what the first saw.
    for (const auto& [key, value] : first.items()) {
        EXPECT_EQ(second[key], value) << key << " leaked from the previous request";
    }
    EXPECT_EQ(second["static"], 1);
    EXPECT_TRUE(second["global"].is_null());
    EXPECT_FALSE(second["constant"].get<bool>());
    EXPECT_FALSE(second["function"].get<bool>());
    EXPECT_FALSE(second["class"].get<bool>());
    EXPECT_FALSE(second["session"].get<bool>());
    EXPECT_NE(second["precision"], "3");
    EXPECT_NE(second["timezone"], "Pacific/Auckland");
    EXPECT_EQ(second["cwd"], EPHPM_FIXTURES_DIR);
    EXPECT_EQ(second["env"], false);
}

TEST(Sessions, FilesHandlerKeepsDataAcrossRequests) {
    CapturedResponse first;
    auto r1 = pool().execute(fixture_job("session.php", first));
    ASSERT_EQ(r1.outcome, php::Outcome::ok) << first.body;
    EXPECT_EQ(first.body, "1");
    const std::string set_cookie = first.value("Set-Cookie");
    ASSERT_EQ(set_cookie.rfind("PHPSESSID=", 0), 0u) << set_cookie;
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

    CapturedResponse second;
    auto job = fixture_job("session.php", second);
    job.cookie = cookie;
    auto r2 = pool().execute(job);
    ASSERT_EQ(r2.outcome, php::Outcome::ok) << second.body;
    EXPECT_EQ(second.body, "2");
}

bool opcache_caches_again() {
    for (int attempt = 0; attempt < 200; ++attempt) {
        CapturedResponse out;
        pool().execute(fixture_job("engine_info.php", out));
        auto info = nlohmann::json::parse(out.body);
        if (info["opcache"].is_object() && info["opcache"]["enabled"].get<bool>() &&
            info["opcache"]["script_cached"].get<bool>()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TEST(Opcache, ResetFromAScriptDoesNotDisturbOtherThreads) {
    std::atomic<int> failures{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&] {
            while (!stop) {
                CapturedResponse out;
                auto r = pool().execute(fixture_job("hello.php", out));
                if (r.outcome != php::Outcome::ok || out.body != "hello from ephpm") ++failures;
            }
        });
    }
    int resets = 0;
    for (int i = 0; i < 20; ++i) {
        CapturedResponse out;
        auto r = pool().execute(fixture_job("opcache_reset.php", out));
        EXPECT_EQ(r.outcome, php::Outcome::ok);
        // While a restart is pending OPcache is off and opcache_reset() says
        // false (PHP's own behaviour); the restart happens once no thread
        // uses the cache.
        if (out.body == "reset") ++resets;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop = true;
    for (auto& t : clients) t.join();
    EXPECT_EQ(failures.load(), 0) << "requests on other threads failed during resets";
    EXPECT_GE(resets, 2) << "no restart ever completed between resets";
    EXPECT_TRUE(opcache_caches_again()) << "OPcache never came back after the reset";
}

} // namespace
} // namespace ephpm::testing
