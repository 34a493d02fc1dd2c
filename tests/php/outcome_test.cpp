// How a script ends, what status that means, and that the same thread then
// serves the next request correctly (all on a 1-thread pool).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

struct Ending {
    php::ScriptResult result;
    std::string body;
    int sent_status;
};

Ending run(const std::string& fixture, const std::string& query = {}) {
    CapturedResponse out;
    auto result = single_thread_pool().execute(fixture_job(fixture, out, query));
    return {result, out.body, out.status};
}

// The thread that just ran something bad must serve this correctly.
void expect_thread_still_healthy() {
    auto next = run("hello.php");
    EXPECT_EQ(next.result.outcome, php::Outcome::ok);
    EXPECT_EQ(next.body, "hello from ephpm");
    EXPECT_EQ(php::http_status_for(next.result), 200);
}

TEST(Outcome, ExitIsANormalEnding) {
    auto end = run("exit.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::ok);
    EXPECT_EQ(end.result.exit_status, 3);
    EXPECT_FALSE(end.result.discard_output);
    EXPECT_EQ(end.body, "bye");
    EXPECT_EQ(php::http_status_for(end.result), 200);
    expect_thread_still_healthy();
}

TEST(Outcome, UncaughtExceptionIs500) {
    auto end = run("exception.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::fatal);
    EXPECT_EQ(end.sent_status, 500);
    EXPECT_EQ(php::http_status_for(end.result), 500);
    EXPECT_EQ(end.body.find("uncaught on purpose"), std::string::npos) << "error shown to client";
    expect_thread_still_healthy();
}

TEST(Outcome, UncaughtExceptionKeepsAStatusTheScriptChose) {
    auto end = run("exception_after_status.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::fatal);
    EXPECT_EQ(php::http_status_for(end.result), 418);
    expect_thread_still_healthy();
}

TEST(Outcome, FatalErrorIs500) {
    auto end = run("fatal.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::fatal);
    EXPECT_EQ(php::http_status_for(end.result), 500);
    expect_thread_still_healthy();
}

TEST(Outcome, ParseErrorIs500) {
    auto end = run("parse_error.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::fatal);
    EXPECT_EQ(php::http_status_for(end.result), 500);
    EXPECT_EQ(end.body, "");
    expect_thread_still_healthy();
}

TEST(Outcome, BufferedOutputIsDiscardedOnFatal) {
    auto end = run("buffered_then_fatal.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::fatal);
    EXPECT_EQ(end.sent_status, 500);
    EXPECT_EQ(end.body.find("half a page"), std::string::npos) << end.body;
    EXPECT_TRUE(end.result.discard_output);
    expect_thread_still_healthy();
}

TEST(Outcome, MaxExecutionTimeStopsABusyLoop) {
    const auto start = std::chrono::steady_clock::now();
    auto end = run("timeout.php");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(end.result.outcome, php::Outcome::timeout);
    EXPECT_EQ(php::http_status_for(end.result), 500);
    EXPECT_LT(elapsed, std::chrono::seconds(4)) << "set_time_limit(1) was not honoured";
    expect_thread_still_healthy();
}

TEST(Outcome, MaxExecutionTimeIsWallClock) {
    const auto start = std::chrono::steady_clock::now();
    auto end = run("timeout_sleeping.php");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(end.result.outcome, php::Outcome::timeout);
    EXPECT_EQ(end.body.find("not reached"), std::string::npos);
    EXPECT_LT(elapsed, std::chrono::milliseconds(2500)) << "sleep() ran past the limit";
    expect_thread_still_healthy();
}

// Each thread keeps one max_execution_time timer for all its requests (the
// timer is not recreated per request): it must fire again after a timeout,
// and a limit armed by one request must not fire in the next.
TEST(Outcome, MaxExecutionTimeWorksOnEveryRequestOfAThread) {
    for (int round = 0; round < 2; ++round) {
        const auto start = std::chrono::steady_clock::now();
        auto end = run("timeout_sleeping.php");
        EXPECT_EQ(end.result.outcome, php::Outcome::timeout) << "round " << round;
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500))
            << "round " << round;
        expect_thread_still_healthy();
    }
    EXPECT_EQ(run("short_limit.php").body, "done");
    // Longer than the 1 s limit the previous request set.
    auto slow = run("sleep.php", "s=2");
    EXPECT_EQ(slow.result.outcome, php::Outcome::ok);
    EXPECT_EQ(slow.body, "slept");
}

TEST(Outcome, MemoryLimitIs500) {
    const char* zend_alloc = std::getenv("USE_ZEND_ALLOC");
    if (zend_alloc != nullptr && std::string(zend_alloc) == "0") {
        GTEST_SKIP() << "USE_ZEND_ALLOC=0 (sanitizer runs) disables memory_limit; "
                        "the ci preset runs this test";
    }
    auto end = run("memory.php");
    EXPECT_EQ(end.result.outcome, php::Outcome::memory);
    EXPECT_EQ(php::http_status_for(end.result), 500);
    expect_thread_still_healthy();
}

TEST(Outcome, StatusMappingIsOneFunction) {
    php::ScriptResult r;
    r.outcome = php::Outcome::overloaded;
    EXPECT_EQ(php::http_status_for(r), 503);
    r.outcome = php::Outcome::not_found;
    EXPECT_EQ(php::http_status_for(r), 404);
    r.outcome = php::Outcome::ok;
    r.status = 204;
    EXPECT_EQ(php::http_status_for(r), 204);
    r.outcome = php::Outcome::timeout;
    r.status = 200;
    EXPECT_EQ(php::http_status_for(r), 500);
}

} // namespace
} // namespace ephpm::testing
