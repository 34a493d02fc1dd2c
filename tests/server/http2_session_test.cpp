// Http2Session over a loopback connection, with nghttp2 as the client and a
// stand-in request handler.

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <poll.h>
#include <unistd.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "server/http2_raw_frames.hpp"
#include "server/http2_test_client.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::has_frame;
using testing::headers_frame;
using testing::Http2Client;
using testing::Http2Server;
using testing::preface;

constexpr auto kWait = 5s;

Response text(unsigned status, std::string body) {
    Response response;
    response.status = status;
    response.fields.set(http::field::content_type, "text/plain");
    response.body = std::move(body);
    return response;
}

// 'a' + offset % 26: a slice from the wrong offset shows.
std::string pattern(std::size_t size) {
    std::string out(size, ' ');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + i % 26);
    return out;
}

// Echoes what the handler saw.
asio::awaitable<Response> echo(Request request, const RequestContext&) {
    co_return text(200, std::string(request.method_string()) + " " + std::string(request.target()) +
                            " host=" + std::string(request[http::field::host]) +
                            " version=" + std::to_string(request.version()) +
                            " x=" + std::string(request["x-test"]) +
                            " body=" + std::to_string(request.body().size()));
}

TEST(Http2Session, BasicGet) {
    Http2Server server(echo);
    Http2Client client(server.port());
    const auto id = client.request("GET", "/a/b?c=d", {{"x-test", "yes"}});
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    const auto& stream = client.streams[id];
    EXPECT_EQ(stream.error_code, 0u);
    EXPECT_EQ(stream.status, 200);
    EXPECT_EQ(stream.body, "GET /a/b?c=d host=example.test version=20 x=yes body=0");
    EXPECT_EQ(stream.headers.find("content-length")->second, std::to_string(stream.body.size()));
    EXPECT_EQ(stream.headers.count("date"), 1u);
    EXPECT_EQ(stream.headers.find("content-type")->second, "text/plain");
}

TEST(Http2Session, PostBodyReachesTheHandler) {
    Http2Server server(echo);
    Http2Client client(server.port());
    const auto id = client.request("POST", "/form", {}, pattern(100'000));
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].body, "POST /form host=example.test version=20 x= body=100000");
}

TEST(Http2Session, HeadSendsNoData) {
    Http2Server server([](Request, const RequestContext&) -> asio::awaitable<Response> {
        Response response = text(200, "not sent");
        response.head = true;
        response.content_length = 1234;
        co_return response;
    });
    Http2Client client(server.port());
    const auto id = client.request("HEAD", "/");
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].status, 200);
    EXPECT_EQ(client.streams[id].body, "");
    EXPECT_EQ(client.streams[id].headers.find("content-length")->second, "1234");
}

TEST(Http2Session, BodyOverTheLimitIs413) {
    Http2Limits limits;
    limits.max_body_bytes = 1000;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    const auto declared = client.request("POST", "/", {}, pattern(5000));
    ASSERT_TRUE(client.pump_until([&] { return client.streams[declared].closed; }, kWait));
    EXPECT_EQ(client.streams[declared].status, 413);
    const auto fits = client.request("POST", "/", {}, pattern(1000));
    ASSERT_TRUE(client.pump_until([&] { return client.streams[fits].closed; }, kWait));
    EXPECT_EQ(client.streams[fits].status, 200);
}

TEST(Http2Session, ManyConcurrentStreams) {
    // Each handler waits until 100 run at once (or 5 s pass), so the
    // responses only come quickly if the streams are served concurrently.
    auto running = std::make_shared<int>(0);
    auto most = std::make_shared<int>(0);
    auto released = std::make_shared<bool>(false);
    auto gate = std::make_shared<std::unique_ptr<asio::steady_timer>>();
    Http2Server server([=](Request request, const RequestContext&) -> asio::awaitable<Response> {
        if (!*gate) {
            *gate = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
            (*gate)->expires_after(5s);
        }
        ++*running;
        *most = std::max(*most, *running);
        if (*running == 100) {
            *released = true;
            (*gate)->cancel();
        }
        if (!*released) co_await (*gate)->async_wait(asio::as_tuple(asio::use_awaitable));
        --*running;
        co_return text(200, std::string(request.target()));
    });
    // The gate timer belongs to the server's io_context: it must be dropped
    // after the io thread stopped and before the io_context is destroyed.
    struct DropGate {
        Http2Server& server;
        std::shared_ptr<std::unique_ptr<asio::steady_timer>> gate;
        ~DropGate() {
            server.stop();
            gate->reset();
        }
    } drop_gate{server, gate};
    Http2Client client(server.port());
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 150; ++i) ids.push_back(client.request("GET", "/s" + std::to_string(i)));
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(client.pump_until(
        [&] {
            for (auto id : ids)
                if (!client.streams[id].closed) return false;
            return true;
        },
        10s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ(client.streams[ids[i]].status, 200);
        EXPECT_EQ(client.streams[ids[i]].body, "/s" + std::to_string(i));
    }
    EXPECT_EQ(*most, 100); // the advertised SETTINGS_MAX_CONCURRENT_STREAMS
}

TEST(Http2Session, HeaderListTooLargeIs431) {
    Http2Limits limits;
    limits.max_header_bytes = 4096;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    const auto big = client.request("GET", "/", {{"x-big", std::string(6000, 'x')}});
    ASSERT_TRUE(client.pump_until([&] { return client.streams[big].closed; }, kWait));
    EXPECT_EQ(client.streams[big].status, 431);
    // Many small fields add up the same way (over CONTINUATION frames too).
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 100; ++i)
        many.emplace_back("x-f" + std::to_string(i), std::string(60, 'v'));
    const auto split = client.request("GET", "/", many);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[split].closed; }, kWait));
    EXPECT_EQ(client.streams[split].status, 431);
    // The connection still serves requests within the limit.
    const auto ok = client.request("GET", "/", {{"x-test", "fine"}});
    ASSERT_TRUE(client.pump_until([&] { return client.streams[ok].closed; }, kWait));
    EXPECT_EQ(client.streams[ok].status, 200);
}

TEST(Http2Session, RapidResetTriggersGoaway) {
    Http2Limits limits;
    limits.max_premature_resets = 20;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    for (int i = 0; i < 60; ++i) {
        const auto id = client.request("GET", "/r");
        client.flush(); // HEADERS out before the RST_STREAM
        client.reset(id);
        client.flush();
    }
    ASSERT_TRUE(client.pump_until([&] { return client.goaway; }, kWait));
    EXPECT_EQ(client.goaway_error, static_cast<std::uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
    EXPECT_TRUE(client.pump_until([&] { return client.eof; }, kWait));
}

TEST(Http2Session, AFewResetsAreFine) {
    Http2Limits limits;
    limits.max_premature_resets = 20;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    for (int i = 0; i < 10; ++i) {
        const auto id = client.request("GET", "/r");
        client.flush();
        client.reset(id);
        client.flush();
    }
    const auto id = client.request("GET", "/after");
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].status, 200);
    EXPECT_FALSE(client.goaway);
}

// A BodyStream the test feeds from the connection's executor.
class FakeBody final : public BodyStream {
public:
    explicit FakeBody(asio::any_io_executor executor) : executor_(executor), signal_(executor) {}
    Read read_some(std::span<char> buffer) override {
        const std::size_t n = std::min(buffer.size(), pending_.size());
        std::memcpy(buffer.data(), pending_.data(), n);
        pending_.erase(0, n);
        return {n, end_ && pending_.empty(), false};
    }
    asio::awaitable<void> readable() override {
        if (!pending_.empty() || end_ || cancelled_) co_return;
        signal_.expires_at(asio::steady_timer::time_point::max());
        co_await signal_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    void cancel() noexcept override {
        cancelled_ = true;
        end_ = true;
        signal_.cancel();
    }
    // From the test thread.
    void push(std::string bytes, bool end) {
        asio::post(executor_, [this, bytes = std::move(bytes), end] {
            pending_ += bytes;
            end_ = end_ || end;
            signal_.cancel();
        });
    }
    std::atomic<bool> cancelled_{false};

private:
    asio::any_io_executor executor_;
    asio::steady_timer signal_;
    std::string pending_;
    bool end_ = false;
};

struct StreamingHandler {
    std::promise<std::shared_ptr<FakeBody>> made;
    Http2Handler handler() {
        return [this](Request, const RequestContext&) -> asio::awaitable<Response> {
            auto body = std::make_shared<FakeBody>(co_await asio::this_coro::executor);
            made.set_value(body);
            Response response;
            response.body = std::shared_ptr<BodyStream>(body);
            co_return response;
        };
    }
};

TEST(Http2Session, StreamedBodyIsSentAsItIsProduced) {
    StreamingHandler streaming;
    auto made = streaming.made.get_future();
    Http2Server server(streaming.handler());
    Http2Client client(server.port());
    const auto id = client.request("GET", "/stream");
    client.flush();
    ASSERT_EQ(made.wait_for(kWait), std::future_status::ready);
    auto body = made.get();
    body->push("first ", false);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].body == "first "; }, kWait));
    EXPECT_FALSE(client.streams[id].closed);
    body->push("second", true);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].body, "first second");
    EXPECT_EQ(client.streams[id].error_code, 0u);
    EXPECT_EQ(client.streams[id].headers.count("content-length"), 0u);
}

TEST(Http2Session, ResetCancelsTheBodyStream) {
    StreamingHandler streaming;
    auto made = streaming.made.get_future();
    Http2Server server(streaming.handler());
    Http2Client client(server.port());
    const auto id = client.request("GET", "/stream");
    client.flush();
    ASSERT_EQ(made.wait_for(kWait), std::future_status::ready);
    auto body = made.get();
    body->push("part", false);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].body == "part"; }, kWait));
    client.reset(id);
    client.flush();
    EXPECT_TRUE(client.pump_until([&] { return body->cancelled_.load(); }, kWait));
}

// The client's stream window is 1024 bytes and it acknowledges nothing at
// first: exactly 1024 bytes may arrive. Once it acknowledges, the rest does.
void expect_flow_control(Http2Handler handler, const std::string& expected) {
    Http2Server server(std::move(handler));
    Http2Client client(server.port(), {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1024}}, true);
    const auto id = client.request("GET", "/big");
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].body.size() >= 1024; }, kWait));
    client.pump_for(200ms); // would reveal bytes beyond the window
    EXPECT_EQ(client.streams[id].body.size(), 1024u);
    EXPECT_FALSE(client.streams[id].closed);
    client.consume_all(true);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, 20s));
    EXPECT_EQ(client.streams[id].error_code, 0u);
    EXPECT_EQ(client.streams[id].body.size(), expected.size());
    EXPECT_TRUE(client.streams[id].body == expected);
}

TEST(Http2Session, FlowControlWithStringBody) {
    const std::string big = pattern(1 << 20);
    expect_flow_control(
        [&](Request, const RequestContext&) -> asio::awaitable<Response> {
            co_return text(200, big);
        },
        big);
}

TEST(Http2Session, FlowControlWithFileRange) {
    const std::string content = pattern(3 << 20);
    const auto path = std::filesystem::temp_directory_path() /
                      ("ephpm-h2-" + std::to_string(::getpid()) + ".bin");
    std::ofstream(path, std::ios::binary) << content;
    const std::uint64_t offset = 7, length = content.size() - 100;
    expect_flow_control(
        [&](Request, const RequestContext&) -> asio::awaitable<Response> {
            FileBody file;
            boost::beast::error_code ec;
            file.file.open(path.c_str(), boost::beast::file_mode::scan, ec);
            file.offset = offset;
            file.length = length;
            Response response;
            response.body = std::move(file);
            co_return response;
        },
        content.substr(offset, length));
    std::filesystem::remove(path);
}

TEST(Http2Session, IdleConnectionGetsGoaway) {
    Http2Limits limits;
    limits.idle = 200ms;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    const auto id = client.request("GET", "/");
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    ASSERT_TRUE(client.pump_until([&] { return client.goaway; }, kWait));
    EXPECT_EQ(client.goaway_error, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
    EXPECT_TRUE(client.pump_until([&] { return client.eof; }, kWait));
    EXPECT_TRUE(server.wait_ended(kWait));
}

// Per-stream receive deadlines (Http2Limits::body and header_read): the
// connection's idle timeout stays long, so only a stream's own deadline can
// end it.

TEST(Http2Limits, TakeTheServersTimeoutsAndSizes) {
    config::ServerSettings settings;
    settings.timeouts.header_read = 7s;
    settings.timeouts.body = 11s;
    settings.timeouts.idle = 13s;
    settings.request.max_body_size = 12345;
    settings.request.max_header_size = 2048;
    const Http2Limits limits = Http2Limits::from(settings);
    EXPECT_EQ(limits.header_read, 7s);
    EXPECT_EQ(limits.body, 11s);
    EXPECT_EQ(limits.idle, 13s);
    EXPECT_EQ(limits.max_body_bytes, 12345u);
    EXPECT_EQ(limits.max_header_bytes, 2048u);
}

TEST(Http2Session, AStalledBodyIs408AndTheConnectionLivesOn) {
    Http2Limits limits;
    limits.body = 300ms;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    const auto start = std::chrono::steady_clock::now();
    const auto stalled = client.open_request("POST", "/", {{"content-length", "100"}});
    client.send_body_part(stalled, pattern(10), false);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[stalled].closed; }, kWait));
    EXPECT_EQ(client.streams[stalled].status, 408);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
    EXPECT_FALSE(client.goaway);
    const auto next = client.request("GET", "/next");
    ASSERT_TRUE(client.pump_until([&] { return client.streams[next].closed; }, kWait));
    EXPECT_EQ(client.streams[next].status, 200);
}

TEST(Http2Session, ABodyThatKeepsMovingIsServed) {
    Http2Limits limits;
    limits.body = 600ms;
    Http2Server server(echo, limits);
    Http2Client client(server.port());
    const auto id = client.open_request("POST", "/slow");
    // 6 parts 150 ms apart: 750 ms in all, never 600 ms of silence.
    for (int part = 0; part < 5; ++part) {
        client.send_body_part(id, pattern(10), false);
        client.pump_for(150ms);
        ASSERT_FALSE(client.streams[id].closed) << "cut off after part " << part;
    }
    client.send_body_part(id, pattern(10), true);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].status, 200);
    EXPECT_NE(client.streams[id].body.find("body=60"), std::string::npos)
        << client.streams[id].body;
}

TEST(Http2Session, AStalledStreamIsCutWhileAnotherKeepsTheConnectionBusy) {
    Http2Limits limits;
    limits.body = 300ms;
    limits.idle = 200ms; // never runs: a response is being produced throughout
    StreamingHandler streaming;
    auto made = streaming.made.get_future();
    Http2Server server(streaming.handler(), limits);
    Http2Client client(server.port());
    const auto busy = client.request("GET", "/stream");
    client.flush();
    ASSERT_EQ(made.wait_for(kWait), std::future_status::ready);
    auto body = made.get();
    const auto stalled = client.open_request("POST", "/upload");
    client.send_body_part(stalled, pattern(10), false);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[stalled].closed; }, kWait));
    EXPECT_EQ(client.streams[stalled].status, 408);
    EXPECT_FALSE(client.streams[busy].closed);
    body->push("done", true);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[busy].closed; }, kWait));
    EXPECT_EQ(client.streams[busy].body, "done");
}

// Raw bytes to 127.0.0.1:`port`, `pieces` written `pause` apart, then
// everything read until the server closes or `timeout` passes; `closed`
// says which.
std::string raw_exchange(int port, const std::vector<std::string>& pieces,
                         std::chrono::milliseconds pause, std::chrono::milliseconds timeout,
                         bool& closed) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)});
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) std::this_thread::sleep_for(pause);
        asio::write(socket, asio::buffer(pieces[i]));
    }
    std::string received;
    closed = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd fd{socket.native_handle(), POLLIN, 0};
        if (::poll(&fd, 1, 50) <= 0) continue;
        std::array<char, 4096> chunk{};
        boost::system::error_code ec;
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) {
            closed = true;
            break;
        }
        received.append(chunk.data(), n);
    }
    return received;
}

TEST(Http2Session, AnUnfinishedHeaderBlockClosesTheConnection) {
    Http2Limits limits;
    limits.header_read = 300ms;
    Http2Server server(echo, limits);
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    const std::string received = raw_exchange(
        server.port(), {preface() + headers_frame('\x01', '\x82', false)}, 0ms, kWait, closed);
    EXPECT_TRUE(closed);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
    EXPECT_TRUE(has_frame(NGHTTP2_GOAWAY, received));
    EXPECT_TRUE(server.wait_ended(kWait));
}

TEST(Http2Session, AnUnfinishedHeaderBlockIsCaughtWhileABodyIsAwaited) {
    // Stream 1's body deadline (5 s) is due long after stream 3's header
    // deadline (300 ms), which starts half a second later.
    Http2Limits limits;
    limits.header_read = 300ms;
    limits.body = 5s;
    Http2Server server(echo, limits);
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    const std::string received = raw_exchange(
        server.port(),
        {preface() + headers_frame('\x01', '\x83', true), headers_frame('\x03', '\x82', false)},
        500ms, kWait, closed);
    EXPECT_TRUE(closed);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 800ms);
    EXPECT_LT(elapsed, 3s);
    EXPECT_TRUE(has_frame(NGHTTP2_GOAWAY, received));
}

TEST(Http2Session, ShutdownFinishesOpenStreamsThenCloses) {
    StreamingHandler streaming;
    auto made = streaming.made.get_future();
    Http2Server server(streaming.handler());
    Http2Client client(server.port());
    const auto id = client.request("GET", "/stream");
    client.flush();
    ASSERT_EQ(made.wait_for(kWait), std::future_status::ready);
    auto body = made.get();
    server.session()->shutdown();
    ASSERT_TRUE(client.pump_until([&] { return client.goaway; }, kWait));
    EXPECT_EQ(client.goaway_error, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
    EXPECT_FALSE(client.streams[id].closed);
    body->push("done", true);
    ASSERT_TRUE(client.pump_until([&] { return client.streams[id].closed; }, kWait));
    EXPECT_EQ(client.streams[id].body, "done");
    EXPECT_TRUE(client.pump_until([&] { return client.eof; }, kWait));
    EXPECT_TRUE(server.wait_ended(kWait));
}

} // namespace
} // namespace ephpm::server
