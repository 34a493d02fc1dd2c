// Binding, without PHP: port 0 reports the port the kernel chose, and a
// busy port is a clear error rather than a crash.

#include "ephpm/server/server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <stdexcept>
#include <thread>

#include "platform/available_cpus.hpp"

namespace ephpm::server {
namespace {

config::Config settings_for(const std::string& listen) {
    config::Config config;
    config.server.listen = listen;
    config.server.document_root = "/";
    config.logging.access = "off";
    return config;
}

const ServerOptions kNoSignals{false, {}};

TEST(ServerBind, StartsOneIoThreadPerCpuByDefault) {
    // The CPUs this process may use (tests/platform/available_cpus_test.cpp);
    // on an unconstrained machine, the online ones.
    const int cpus = platform::available_cpus();
    ASSERT_GE(cpus, 1);
    EXPECT_LE(cpus, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    EXPECT_EQ(default_io_thread_count(), cpus);
    Server server(settings_for("127.0.0.1:0"), kNoSignals); // io_threads = 0
    EXPECT_EQ(server.io_thread_count(), cpus);
}

TEST(ServerBind, AnExplicitIoThreadCountWins) {
    config::Config config = settings_for("127.0.0.1:0");
    config.server.io_threads = 3;
    Server server(config, kNoSignals);
    EXPECT_EQ(server.io_thread_count(), 3);
}

TEST(ServerBind, PortZeroReportsTheRealPort) {
    Server server(settings_for("127.0.0.1:0"), kNoSignals);
    const std::string address = server.local_address();
    EXPECT_TRUE(std::regex_match(address, std::regex(R"(127\.0\.0\.1:[1-9][0-9]*)"))) << address;
}

TEST(ServerBind, BusyPortThrowsAClearError) {
    Server first(settings_for("127.0.0.1:0"), kNoSignals);
    const std::string taken = first.local_address();
    try {
        Server second(settings_for(taken), kNoSignals);
        FAIL() << "bound " << taken << " twice";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot listen on " + taken + ": Address already in use");
    }
}

TEST(ServerBind, Ipv6AddressesAreBracketed) {
    try {
        Server server(settings_for("[::1]:0"), kNoSignals);
        EXPECT_TRUE(std::regex_match(server.local_address(), std::regex(R"(\[::1\]:[1-9][0-9]*)")))
            << server.local_address();
    } catch (const std::runtime_error& e) {
        GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
    }
}

TEST(ServerBind, MalformedAddressIsRejected) {
    EXPECT_THROW(Server(settings_for("127.0.0.1"), kNoSignals), std::runtime_error);
    EXPECT_THROW(Server(settings_for("127.0.0.1:99999"), kNoSignals), std::runtime_error);
    EXPECT_THROW(Server(settings_for("[::1:80"), kNoSignals), std::runtime_error);
}

TEST(ServerBind, UnopenableAccessLogIsAClearError) {
    config::Config config = settings_for("127.0.0.1:0");
    config.logging.access = "/nonexistent-ephpm-dir/access.log";
    try {
        Server server(config, kNoSignals);
        ADD_FAILURE() << "started without its access log";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot open the access log /nonexistent-ephpm-dir/access.log: No such file or "
                  "directory");
    }
}

} // namespace
} // namespace ephpm::server
