// Http1Writer on a real loopback connection whose buffers are made small, so
// the first non-blocking send takes only part of the response and the rest
// must follow asynchronously, in order and complete.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <tuple>

#include "server/http1_writer.hpp"
#include "server/sendfile_pool.hpp"

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

// A fresh loopback connection with Http1Writer::write(response) spawned on
// its server side; nothing runs until `io` does.
struct WriterConnection {
    asio::io_context io;
    tcp::socket client{io};
    std::optional<beast::tcp_stream> stream;
    std::optional<server::Http1Writer::Result> result;

    // `small_buffers`: 64 KiB socket buffers, so a large response fills them.
    // `offload`: large files are sent by its threads.
    WriterConnection(server::Response& response, bool small_buffers,
                     server::SendfilePool* offload = nullptr) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.connect(acceptor.local_endpoint());
        tcp::socket accepted = acceptor.accept();
        if (small_buffers) {
            accepted.set_option(asio::socket_base::send_buffer_size(64 * 1024));
            client.set_option(asio::socket_base::receive_buffer_size(64 * 1024));
        }
        stream.emplace(std::move(accepted));
        asio::co_spawn(
            io,
            [this, &response, offload]() -> asio::awaitable<void> {
                server::Http1Writer writer(*stream, 10s, offload);
                result = co_await writer.write(response, 11);
            },
            asio::detached);
    }
};

// Writes `response` on the server side of a fresh connection while the
// client waits a moment (so the server's send buffer fills) and then
// reads the head and exactly Content-Length body bytes.
std::pair<server::Http1Writer::Result, Received> exchange(server::Response& response,
                                                          server::SendfilePool* offload = nullptr) {
    WriterConnection connection(response, true, offload);
    auto& client = connection.client;
    auto& result = connection.result;
    std::thread runner([&] { connection.io.run(); });

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

// `content` in a file, opened and already unlinked.
server::FileBody temp_file(const std::string& content) {
    char path[] = "/tmp/ephpm-writer-test-XXXXXX";
    const int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
    server::FileBody file;
    beast::error_code ec;
    file.file.open(path, beast::file_mode::scan, ec);
    ::unlink(path);
    EXPECT_FALSE(ec) << ec.message();
    return file;
}

// A file range, so the offset matters as well as the order. Large files go
// out with sendfile(2), small ones are read and sent with the head; with a
// SendfilePool, the large file's sendfile calls run on its threads, in
// turns with the waits for a full socket buffer.
class FileRange : public ::testing::TestWithParam<std::tuple<std::size_t, bool>> {};

TEST_P(FileRange, BodyFollowsItsHead) {
    const auto [size, offloaded] = GetParam();
    const std::string content = patterned(size);
    server::Response response;
    server::FileBody file = temp_file(content);
    file.offset = 1000;
    file.length = content.size() - 3000;
    response.body = std::move(file);
    std::optional<server::SendfilePool> pool;
    if (offloaded) pool.emplace(2);
    auto [result, received] = exchange(response, pool ? &*pool : nullptr);
    EXPECT_TRUE(result.ok);
    EXPECT_EQ(result.body_bytes, content.size() - 3000);
    EXPECT_NE(received.head.find("Content-Length: " + std::to_string(content.size() - 3000)),
              std::string::npos)
        << received.head;
    EXPECT_TRUE(received.body == content.substr(1000, content.size() - 3000))
        << "body differs (" << received.body.size() << " bytes)";
}

INSTANTIATE_TEST_SUITE_P(Http1Writer, FileRange,
                         ::testing::Combine(::testing::Values(std::size_t{6 * 1024},
                                                              std::size_t{2 * 1024 * 1024}),
                                            ::testing::Bool()));

TEST(SendfilePool, CompletesOnTheCallersThreadAndLeavesTheSocketOpen) {
    // A 300 KiB file through the pool into a loopback socket: the result
    // comes back on the io_context's thread, the pool's copy of the socket is
    // closed, and the caller's socket still works.
    const std::string content = patterned(300 * 1024);
    server::FileBody file = temp_file(content);
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server_side = acceptor.accept();
    server_side.non_blocking(true);
    server::SendfilePool pool(1);
    EXPECT_EQ(pool.thread_count(), 1);

    std::size_t sent = 0;
    bool on_io_thread = false;
    std::thread::id io_thread;
    std::function<void()> next = [&] {
        pool.async_sendfile(server_side.native_handle(), file.file.native_handle(),
                            static_cast<off_t>(sent), content.size() - sent,
                            asio::bind_executor(io, [&](server::SendfilePool::Outcome outcome) {
                                on_io_thread = std::this_thread::get_id() == io_thread;
                                if (outcome.sent > 0)
                                    sent += static_cast<std::size_t>(outcome.sent);
                                if (outcome.sent < 0) {
                                    ASSERT_EQ(outcome.error, EAGAIN);
                                }
                                if (sent < content.size()) {
                                    server_side.async_wait(tcp::socket::wait_write,
                                                           [&](beast::error_code) { next(); });
                                }
                            }));
    };
    std::string received(content.size(), '\0');
    std::thread reader([&] { asio::read(client, asio::buffer(received)); });
    asio::post(io, [&] {
        io_thread = std::this_thread::get_id();
        next();
    });
    io.run();
    reader.join();
    EXPECT_TRUE(on_io_thread);
    EXPECT_EQ(sent, content.size());
    EXPECT_TRUE(received == content);
    // The caller's socket is still open and usable.
    EXPECT_EQ(::send(server_side.native_handle(), "!", 1, MSG_NOSIGNAL), 1);
    char last = 0;
    EXPECT_EQ(::recv(client.native_handle(), &last, 1, 0), 1);
    EXPECT_EQ(last, '!');
}

TEST(SendfilePool, AFailedDuplicationIsReportedNotSent) {
    server::SendfilePool pool(1);
    asio::io_context io;
    std::optional<server::SendfilePool::Outcome> outcome;
    asio::post(io, [&] {
        pool.async_sendfile(
            -1, -1, 0, 10,
            asio::bind_executor(io, [&](server::SendfilePool::Outcome o) { outcome = o; }));
    });
    io.run();
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->sent, -1);
    EXPECT_EQ(outcome->error, EBADF);
}

// Keeps every thread of a one-thread SendfilePool busy: its job sends into
// a full pipe left blocking, so sendfile(2) waits until release() drains
// the pipe. (The pool's jobs are meant for non-blocking sockets; a blocking
// pipe is what lets a test hold one.)
struct BusyPool {
    server::SendfilePool pool{1};
    server::FileBody file = [] {
        server::FileBody body = temp_file(patterned(64 * 1024));
        body.length = 64 * 1024;
        return body;
    }();
    std::array<int, 2> pipe_ends{-1, -1};
    asio::io_context home;
    bool job_done = false;

    BusyPool() {
        EXPECT_EQ(::pipe2(pipe_ends.data(), O_CLOEXEC), 0);
        ::fcntl(pipe_ends[1], F_SETPIPE_SZ, 4096); // smaller is quicker to fill; either works
        EXPECT_EQ(::fcntl(pipe_ends[1], F_SETFL, O_NONBLOCK), 0);
        const std::string filler(4096, 'x');
        while (::write(pipe_ends[1], filler.data(), filler.size()) > 0) {
        }
        EXPECT_EQ(errno, EAGAIN); // full: a blocking write would wait
        // Blocking again, so the job's sendfile(2) waits for release().
        EXPECT_EQ(::fcntl(pipe_ends[1], F_SETFL, 0), 0);
        pool.async_sendfile(
            pipe_ends[1], file.file.native_handle(), 0, file.length,
            asio::bind_executor(home, [this](server::SendfilePool::Outcome) { job_done = true; }));
        // The job is counted as soon as it is handed over.
        EXPECT_FALSE(pool.has_idle_thread());
    }
    // Drains the pipe until the job has completed back on `home`.
    void release() {
        ::fcntl(pipe_ends[0], F_SETFL, 0);
        std::thread drain([this] {
            std::array<char, 4096> buffer{};
            while (::read(pipe_ends[0], buffer.data(), buffer.size()) > 0) {
            }
        });
        home.run();
        ::close(pipe_ends[1]); // ends the drain's reads
        drain.join();
        ::close(pipe_ends[0]);
        EXPECT_TRUE(job_done);
    }
};

TEST(SendfilePool, HasAnIdleThreadUntilEveryThreadHoldsAJob) {
    {
        server::SendfilePool idle(1);
        EXPECT_TRUE(idle.has_idle_thread());
    }
    BusyPool busy;
    EXPECT_FALSE(busy.pool.has_idle_thread());
    busy.release();
    EXPECT_TRUE(busy.pool.has_idle_thread());
}

TEST(Http1Writer, SendsALargeFileItselfWhileThePoolIsBusy) {
    // A job queued behind the busy one would wait for release(); the writer
    // must not hand the file over, and the response must arrive whole.
    BusyPool busy;
    const std::string content = patterned(2 * 1024 * 1024);
    server::Response response;
    server::FileBody file = temp_file(content);
    file.length = content.size();
    response.body = std::move(file);
    // If the writer queued its file anyway, this frees the pool after 10 s so
    // the test fails on the time instead of hanging.
    std::promise<void> finished;
    std::future<void> done = finished.get_future();
    std::thread watchdog([&busy, &done] {
        if (done.wait_for(10s) == std::future_status::ready) return;
        ::fcntl(busy.pipe_ends[0], F_SETFL, O_NONBLOCK);
        std::array<char, 4096> buffer{};
        while (done.wait_for(10ms) != std::future_status::ready) {
            while (::read(busy.pipe_ends[0], buffer.data(), buffer.size()) > 0) {
            }
        }
    });
    const auto start = std::chrono::steady_clock::now();
    auto [result, received] = exchange(response, &busy.pool);
    finished.set_value();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(result.ok);
    EXPECT_TRUE(received.body == content) << "body differs (" << received.body.size() << " bytes)";
    watchdog.join();
    busy.release();
}

TEST(Http1Writer, ASmallFileShorterThanItsLengthClosesWithoutAResponse) {
    // The file shrank after fstat: nothing is sent (not even the head, whose
    // Content-Length would be a lie), and the connection closes.
    server::Response response;
    server::FileBody file = temp_file(patterned(1000));
    file.length = 2000;
    response.body = std::move(file);

    WriterConnection connection(response, false);
    connection.io.run();
    const auto& result = connection.result;
    ASSERT_TRUE(result.has_value());
    EXPECT_FALSE(result->ok);
    EXPECT_TRUE(result->close);
    connection.client.non_blocking(true);
    std::array<char, 64> buffer{};
    beast::error_code ec;
    EXPECT_EQ(connection.client.read_some(asio::buffer(buffer), ec), 0u);
    EXPECT_EQ(ec, asio::error::would_block) << "bytes were sent: " << ec.message();
}

} // namespace
} // namespace ephpm::testing
