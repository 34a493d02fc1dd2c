// The recovery path for a thread whose PHP context could not be cleaned up:
// the context is dropped and a fresh one serves the next request.

#include <gtest/gtest.h>

#include <thread>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

TEST(ThreadScope, ARenewedContextServesRequests) {
    std::string before;
    std::string after;
    std::thread worker([&] {
        php::ThreadScope scope;
        CapturedResponse first;
        runtime().execute(fixture_job("isolation.php", first)); // changes per-thread state
        before = first.body;
        scope.renew();
        CapturedResponse second;
        auto result = runtime().execute(fixture_job("isolation.php", second));
        EXPECT_EQ(result.outcome, php::Outcome::ok);
        after = second.body;
    });
    worker.join();
    EXPECT_FALSE(before.empty());
    EXPECT_EQ(after, before) << "the fresh context saw state from the old one";
}

} // namespace
} // namespace ephpm::testing
