// Many requests at once on the pool: no cross-talk, sleepers do not block
// others, overload is reported, and a client abort stops a script.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;

TEST(Concurrency, SixtyFourRequestsOnEightThreadsGetTheirOwnAnswers) {
    constexpr int kRequests = 64;
    std::vector<std::unique_ptr<CapturedResponse>> outs;
    std::vector<std::future<php::ScriptResult>> results;
    for (int i = 0; i < kRequests; ++i) {
        outs.push_back(std::make_unique<CapturedResponse>());
        auto job = fixture_job("echo_id.php", *outs.back(), "id=" + std::to_string(i));
        job.server_vars = {{"HTTP_X_REQUEST_ID", "req-" + std::to_string(i)}};
        results.push_back(std::async(std::launch::async, [job = std::move(job)]() mutable {
            return pool().execute(std::move(job));
        }));
    }
    for (int i = 0; i < kRequests; ++i) {
        EXPECT_EQ(results[i].get().outcome, php::Outcome::ok);
        EXPECT_EQ(outs[i]->body, std::to_string(i) + ":req-" + std::to_string(i));
    }
}

TEST(Concurrency, ASleepingScriptDoesNotHoldUpOthers) {
    CapturedResponse sleeper_out;
    auto sleeper_job = fixture_job("sleep.php", sleeper_out, "s=2");
    auto sleeper = std::async(std::launch::async, [&] { return pool().execute(sleeper_job); });
    std::this_thread::sleep_for(100ms); // let it start
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        CapturedResponse out;
        ASSERT_EQ(pool().execute(fixture_job("hello.php", out)).outcome, php::Outcome::ok);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    EXPECT_EQ(sleeper.wait_for(0s), std::future_status::timeout) << "others waited for it";
    EXPECT_EQ(sleeper.get().outcome, php::Outcome::ok);
    EXPECT_EQ(sleeper_out.body, "slept");
}

TEST(Concurrency, AFullQueueIsOverloadNotAWait) {
    // Everything the jobs touch outlives the pool: its destructor still runs
    // the queued job, and a completion may still be inside set_value().
    // The pool borrows submitted jobs, so they are declared before it too.
    CapturedResponse a, b, c;
    std::promise<void> first_done;
    const php::ScriptJob running = fixture_job("started_then_sleep.php", a);
    const php::ScriptJob queued = fixture_job("hello.php", b);
    php::Pool tiny(runtime(), {1, 1});
    // One job running (sleeping), one queued: the third does not fit.
    ASSERT_TRUE(tiny.try_submit(running, [&](php::ScriptResult) { first_done.set_value(); }));
    ASSERT_TRUE(a.wait_for_output(10s)) << "the first job never started";
    ASSERT_TRUE(tiny.try_submit(queued, {}));
    auto overloaded = tiny.execute(fixture_job("hello.php", c));
    EXPECT_EQ(overloaded.outcome, php::Outcome::overloaded);
    EXPECT_EQ(php::http_status_for(overloaded), 503);
    first_done.get_future().wait();
}

class Abort : public ::testing::TestWithParam<bool> {};

TEST_P(Abort, ClientAbortStopsTheScriptUnlessIgnored) {
    const bool ignore = GetParam();
    const auto marker = std::filesystem::temp_directory_path() /
                        ("ephpm-abort-" + std::to_string(::getpid()) + (ignore ? "-i" : ""));
    std::filesystem::remove(marker);
    CapturedResponse out;
    auto aborted = std::make_shared<std::atomic<bool>>(false);
    std::string query = "marker=" + marker.string() + (ignore ? "&ignore=1" : "");
    auto job = fixture_job("abort.php", out, query);
    job.aborted = aborted;
    auto running = std::async(std::launch::async, [&] { return pool().execute(job); });
    std::this_thread::sleep_for(50ms);
    aborted->store(true);
    auto result = running.get();
    if (ignore) {
        EXPECT_EQ(result.outcome, php::Outcome::aborted);
        std::ifstream in(marker);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        EXPECT_EQ(text, "finished aborted=1") << "connection_aborted() must tell the truth";
    } else {
        EXPECT_EQ(result.outcome, php::Outcome::aborted);
        EXPECT_FALSE(std::filesystem::exists(marker)) << "the script ran on after the abort";
        EXPECT_LT(out.body.size(), 200u * 100u);
    }
    std::filesystem::remove(marker);
}

INSTANTIATE_TEST_SUITE_P(IgnoreUserAbort, Abort, ::testing::Bool());

} // namespace
} // namespace ephpm::testing
