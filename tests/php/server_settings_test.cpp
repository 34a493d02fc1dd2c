// [server] settings the config file cannot set yet, on a real Server inside
// the test process (with the shared PHP pool): request timeout, header
// timeout, static Cache-Control and ETag.

#include "ephpm/server/server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Sends `request` and reads until the server closes or `timeout` passes.
std::string exchange(int port, const std::string& request, std::chrono::milliseconds timeout,
                     bool* closed = nullptr) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
        throw std::runtime_error("cannot connect");
    if (!request.empty()) (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string received;
    if (closed != nullptr) *closed = false;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd pfd{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
        std::array<char, 8192> buffer{};
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            if (closed != nullptr) *closed = true;
            break;
        }
        received.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return received;
}

class ServerSettings : public ::testing::Test {
protected:
    void start(config::ServerSettings settings) {
        root_ = std::filesystem::temp_directory_path() /
                ("ephpm-settings-" + std::to_string(::getpid()));
        std::filesystem::create_directories(root_);
        std::ofstream(root_ / "slow.php") << "<?php sleep(3); echo 'late';";
        std::ofstream(root_ / "quick.php") << "<?php echo 'quick';";
        std::ofstream(root_ / "style.css") << "body {}\n";
        settings.listen = "127.0.0.1:0";
        settings.document_root = root_.native();
        config::Config config;
        config.server = std::move(settings);
        config.logging.access = "off";
        server_ = std::make_unique<server::Server>(config, server::ServerOptions{false, {}});
        const std::string address = server_->local_address();
        port_ = std::stoi(address.substr(address.rfind(':') + 1));
        runner_ = std::thread([this] { server_->run(pool()); });
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
            runner_.join();
        }
        server_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }

    std::filesystem::path root_;
    std::unique_ptr<server::Server> server_;
    std::thread runner_;
    int port_ = 0;
};

TEST_F(ServerSettings, RequestTimeoutIs504WhileOtherRequestsAreServed) {
    config::ServerSettings settings;
    settings.timeouts.request = 1000ms;
    start(settings);
    auto slow = std::async(std::launch::async, [&] {
        const auto begin = Clock::now();
        auto out =
            exchange(port_, "GET /slow.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10s);
        return std::pair{out, Clock::now() - begin};
    });
    std::this_thread::sleep_for(100ms);
    const std::string quick =
        exchange(port_, "GET /quick.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
    EXPECT_NE(quick.find("quick"), std::string::npos) << quick;
    const auto [out, elapsed] = slow.get();
    EXPECT_EQ(out.rfind("HTTP/1.1 504 ", 0), 0u) << out;
    EXPECT_EQ(out.find("late"), std::string::npos);
    EXPECT_LT(elapsed, 2900ms) << "the 504 must not wait for the script";
}

TEST_F(ServerSettings, IncompleteHeaderGets408AndASilentConnectionJustCloses) {
    config::ServerSettings settings;
    settings.timeouts.header_read = 300ms;
    start(settings);
    bool closed = false;
    const auto partial = exchange(port_, "GET /quick.php HTTP/1.1\r\nHost:", 5s, &closed);
    EXPECT_EQ(partial.rfind("HTTP/1.1 408 ", 0), 0u) << partial;
    EXPECT_TRUE(closed);
    const auto silent = exchange(port_, "", 5s, &closed);
    EXPECT_EQ(silent, "");
    EXPECT_TRUE(closed);
}

TEST_F(ServerSettings, StaticCacheControlAndNoEtag) {
    config::ServerSettings settings;
    settings.static_files.cache_control = "public, max-age=60";
    settings.static_files.etag = false;
    start(settings);
    const auto out = exchange(
        port_,
        "GET /style.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\nConnection: close\r\n\r\n", 5s);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u) << out; // If-None-Match ignored
    EXPECT_NE(out.find("Cache-Control: public, max-age=60\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("ETag"), std::string::npos) << out;
}

TEST_F(ServerSettings, MaxBodyAndHeaderSizes) {
    config::ServerSettings settings;
    settings.request.max_body_size = 10;
    settings.request.max_header_size = 512;
    start(settings);
    const auto body = exchange(port_,
                               "POST /quick.php HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
                               "01234567890",
                               5s);
    EXPECT_EQ(body.rfind("HTTP/1.1 413 ", 0), 0u) << body;
    const auto header = exchange(
        port_, "GET /quick.php HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(600, 'a') + "\r\n\r\n",
        5s);
    EXPECT_EQ(header.rfind("HTTP/1.1 431 ", 0), 0u) << header;
}

} // namespace
} // namespace ephpm::testing
