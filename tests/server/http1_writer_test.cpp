// Http1Writer on a real loopback connection whose buffers are made small, so
// the first non-blocking send takes only part of the response and the rest
// must follow asynchronously, in order and complete.

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "server/http1_writer.hpp"

namespace ephpm::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Bytes that show where a slice came from if one is lost or repeated.
std::string patterned(std::size_t size) {
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        text[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    return text;
}

struct Received {
    std::string head;
    std::string body;
};

// Writes `response` on the server side of a fresh connection while the
// client waits a moment (so the server's send buffer fills) and then
// reads the head and exactly Content-Length body bytes.
std::pair<server::Http1Writer::Result, Received> exchange(server::Response& response) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket accepted = acceptor.accept();
    accepted.set_option(asio::socket_base::send_buffer_size(64 * 1024));
    client.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
    beast::tcp_stream stream(std::move(accepted));

    std::optional<server::Http1Writer::Result> result;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            server::Http1Writer writer(stream, 10s);
            result = co_await writer.write(response, 11);
        },
        asio::detached);
    std::thread runner([&] { io.run(); });

    std::this_thread::sleep_for(50ms);
    Received received;
    try {
        std::string buffer;
        const std::size_t head_end =
            asio::read_until(client, asio::dynamic_buffer(buffer), "\r\n\r\n");
        received.head = buffer.substr(0, head_end);
        const auto at = received.head.find("Content-Length: ");
        const std::size_t length =
            at == std::string::npos ? 0 : std::stoull(received.head.substr(at + 16));
        received.body = buffer.substr(head_end);
        if (received.body.size() < length) {
            std::string rest(length - received.body.size(), '\0');
            asio::read(client, asio::buffer(rest));
            received.body += rest;
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << "client read failed: " << e.what();
        client.close();
    }
    runner.join();
    EXPECT_TRUE(result.has_value());
    return {result.value_or(server::Http1Writer::Result{}), received};
}

TEST(Http1Writer, StringBodyLargerThanTheSocketBufferArrivesWhole) {
    const std::string body = patterned(3 * 1024 * 1024 + 17);
    server::Response response;
    response.body = body;
    auto [result, received] = exchange(response);
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.body_bytes, body.size());
    EXPECT_EQ(received.head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received.head;
    EXPECT_NE(received.head.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
              std::string::npos)
        << received.head;
    EXPECT_TRUE(received.body == body) << "body differs (" << received.body.size() << " bytes)";
}

TEST(Http1Writer, FileBodyFollowsItsHead) {
    // A file range, so the offset matters as well as the order.
    const std::string content = patterned(2 * 1024 * 1024);
    char path[] = "/tmp/ephpm-writer-test-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);

    server::Response response;
    server::FileBody file;
    beast::error_code ec;
    file.file.open(path, beast::file_mode::scan, ec);
    ::unlink(path);
    ASSERT_FALSE(ec) << ec.message();
    file.offset = 1000;
    file.length = content.size() - 3000;
    response.body = std::move(file);
    auto [result, received] = exchange(response);
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.body_bytes, content.size() - 3000);
    EXPECT_NE(received.head.find("Content-Length: " + std::to_string(content.size() - 3000)),
              std::string::npos)
        << received.head;
    EXPECT_TRUE(received.body == content.substr(1000, content.size() - 3000))
        << "body differs (" << received.body.size() << " bytes)";
}

} // namespace
} // namespace ephpm::testing
