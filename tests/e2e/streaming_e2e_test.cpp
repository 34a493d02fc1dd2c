// The response path through the real binary: streamed PHP output, chunked
// framing, client aborts, pipelining, sendfile, and HTTP/1.1 details.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_process.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string config_for(const std::filesystem::path& docroot, int workers) {
    return "[server]\nlisten = \"" + free_listen_address() + "\"\ndocument_root = \"" +
           docroot.native() + "\"\n\n[php]\nworkers = " + std::to_string(workers) +
           "\nmax_execution_time = 30\n";
}

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(EPHPM_FIXTURES_DIR) + "/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A connected socket to 127.0.0.1:port; closed with the object.
class Client {
public:
    explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
            throw std::runtime_error("cannot connect");
    }
    ~Client() { close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void send(const std::string& bytes) const {
        std::size_t written = 0;
        while (written < bytes.size()) {
            const ssize_t n =
                ::send(fd_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
            if (n <= 0) return;
            written += static_cast<std::size_t>(n);
        }
    }
    // Reads until `received` contains `needle`, the server closes, or the
    // timeout passes; returns whether the needle was seen.
    bool read_until(const std::string& needle, std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (received.find(needle) == std::string::npos) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0 || closed) return false;
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
            std::array<char, 16384> buffer{};
            const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
            if (n <= 0) {
                closed = true;
                return received.find(needle) != std::string::npos;
            }
            received.append(buffer.data(), static_cast<std::size_t>(n));
        }
        return true;
    }
    // Reads until the server closes (true) or the timeout passes (false).
    bool read_to_close(std::chrono::milliseconds timeout) {
        read_until(std::string("\0never\0", 7), timeout);
        return closed;
    }
    [[nodiscard]] int fd() const { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    std::string received;
    bool closed = false;

private:
    int fd_;
};

std::string get(const std::string& target, const std::string& extra = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size()))
        ++count;
    return count;
}

class StreamingE2E : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        site_ = std::make_unique<TempDir>("ephpm-stream-site");
        work_ = std::make_unique<TempDir>("ephpm-stream-work");
        for (const char* name : {"flush_then_sleep.php", "chunks.php", "abort_while_silent.php",
                                 "streamed_then_fatal.php", "echo_input.php", "echo_id.php",
                                 "sleep.php", "hello.php", "buffered_then_fatal.php"}) {
            site_->write(name, fixture(name));
        }
        site_->write("server.php", "<?php echo json_encode($_SERVER);");
        std::string big(5 * 1024 * 1024 + 17, ' ');
        std::mt19937 random(42);
        for (auto& c : big) c = static_cast<char>(random());
        site_->write("big.bin", big);
        big_ = std::make_unique<std::string>(std::move(big));
        server_ = std::make_unique<ServerProcess>(work_->path(), config_for(site_->path(), 16));
    }
    static void TearDownTestSuite() {
        if (server_) {
            server_->signal(SIGTERM);
            server_->wait_exit(15s);
        }
        server_.reset();
        big_.reset();
        work_.reset();
        site_.reset();
    }
    void SetUp() override {
        ASSERT_TRUE(server_->started()) << "ephpm did not start:\n" << server_->output();
    }
    static std::string url(const std::string& path) { return server_->url(path); }

    static std::unique_ptr<TempDir> site_;
    static std::unique_ptr<TempDir> work_;
    static std::unique_ptr<ServerProcess> server_;
    static std::unique_ptr<std::string> big_;
};

std::unique_ptr<TempDir> StreamingE2E::site_;
std::unique_ptr<TempDir> StreamingE2E::work_;
std::unique_ptr<ServerProcess> StreamingE2E::server_;
std::unique_ptr<std::string> StreamingE2E::big_;

TEST_F(StreamingE2E, FlushReachesTheClientBeforeTheScriptEnds) {
    Client client(server_->port());
    const auto start = Clock::now();
    client.send(get("/flush_then_sleep.php?ms=1500"));
    ASSERT_TRUE(client.read_until("first", 10s)) << client.received;
    const auto first = Clock::now() - start;
    EXPECT_LT(first, 1000ms) << "flushed bytes waited for the script";
    EXPECT_EQ(client.received.find("second"), std::string::npos);
    ASSERT_TRUE(client.read_until("0\r\n\r\n", 10s)) << client.received;
    EXPECT_GE(Clock::now() - start, 1400ms);
    EXPECT_NE(client.received.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
}

TEST_F(StreamingE2E, FlushedPiecesAreChunks) {
    Client client(server_->port());
    client.send(get("/chunks.php", "Connection: close\r\n"));
    ASSERT_TRUE(client.read_to_close(10s));
    const auto body = client.received.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << client.received;
    EXPECT_EQ(client.received.substr(body + 4), "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n");
    EXPECT_EQ(client.received.find("Content-Length"), std::string::npos);
}

TEST_F(StreamingE2E, UnflushedOutputGetsAContentLength) {
    const auto r = curl({url("/hello.php")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
    EXPECT_FALSE(r.has_header("transfer-encoding"));
}

TEST_F(StreamingE2E, Http10StreamIsCloseDelimited) {
    Client client(server_->port());
    client.send("GET /chunks.php HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(client.read_to_close(10s));
    EXPECT_EQ(client.received.rfind("HTTP/1.0 200 ", 0), 0u) << client.received;
    EXPECT_NE(client.received.find("Connection: close\r\n"), std::string::npos);
    EXPECT_EQ(client.received.find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(client.received.substr(client.received.find("\r\n\r\n") + 4), "abc");
}

TEST_F(StreamingE2E, FailureAfterStreamingCutsTheResponseOff) {
    Client client(server_->port());
    client.send(get("/streamed_then_fatal.php"));
    ASSERT_TRUE(client.read_to_close(10s)) << "the connection must close";
    EXPECT_EQ(client.received.rfind("HTTP/1.1 200 ", 0), 0u);
    EXPECT_NE(client.received.find("xxxx"), std::string::npos);
    EXPECT_EQ(client.received.find("0\r\n\r\n"), std::string::npos) << "no last chunk";
    // Nothing sent yet: still an honest 500 without the half page.
    const auto r = curl({url("/buffered_then_fatal.php")});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("half a page"), std::string::npos);
}

TEST_F(StreamingE2E, ClientDisconnectWhileTheScriptIsSilentMarksItAborted) {
    const auto marker = work_->path() / "aborted-marker";
    {
        Client client(server_->port());
        client.send(get("/abort_while_silent.php?marker=" + marker.native()));
        ASSERT_TRUE(client.read_until("started", 10s)) << client.received;
    } // closed while the script sleeps
    const auto deadline = Clock::now() + 15s;
    while (!std::filesystem::exists(marker) && Clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(50ms);
    std::ifstream in(marker);
    std::string content;
    std::getline(in, content);
    EXPECT_EQ(content, "aborted=1");
}

TEST_F(StreamingE2E, PipelinedRequestsAreAnsweredInOrder) {
    constexpr int kRequests = 100;
    std::string burst;
    for (int i = 0; i < kRequests; ++i) {
        burst += get("/echo_id.php?id=" + std::to_string(i),
                     "X-Request-Id: r" + std::to_string(i) + "\r\n" +
                         (i + 1 == kRequests ? "Connection: close\r\n" : ""));
    }
    bool closed = false;
    const std::string out = raw_exchange(server_->port(), burst, 30s, &closed);
    EXPECT_TRUE(closed);
    ASSERT_EQ(count_of(out, "HTTP/1.1 200 "), static_cast<std::size_t>(kRequests)) << out;
    std::size_t pos = 0;
    for (int i = 0; i < kRequests; ++i) {
        const std::string expected = "\r\n\r\n" + std::to_string(i) + ":r" + std::to_string(i);
        const auto found = out.find(expected, pos);
        ASSERT_NE(found, std::string::npos) << "response " << i << " missing or out of order";
        pos = found + expected.size();
    }
}

TEST_F(StreamingE2E, Http10WithTransferEncodingIs400AndCloses) {
    bool closed = false;
    const std::string out =
        raw_exchange(server_->port(),
                     "POST /echo_input.php HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 5\r\n\r\n0\r\n\r\n" +
                         get("/hello.php"),
                     5s, &closed);
    EXPECT_EQ(out.rfind("HTTP/1.0 400 ", 0), 0u) << out;
    EXPECT_TRUE(closed);
    EXPECT_EQ(out.find("Hello from PHP"), std::string::npos);
}

TEST_F(StreamingE2E, ChunkedRequestBodyReachesPhpInput) {
    const auto body_file = work_->path() / "chunked-body.txt";
    std::string body;
    for (int i = 0; i < 3000; ++i) body += "line " + std::to_string(i) + "\n";
    std::ofstream(body_file, std::ios::binary) << body;
    const auto r = curl({"-H", "Transfer-Encoding: chunked", "--data-binary",
                         "@" + body_file.native(), url("/echo_input.php")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
}

TEST_F(StreamingE2E, LargeBodySpoolsAndArrivesIntact) {
    // Past the 1 MiB in-memory limit: the body goes through a temporary file.
    const auto body_file = work_->path() / "large-body.bin";
    const std::string body = big_->substr(0, 3 * 1024 * 1024);
    std::ofstream(body_file, std::ios::binary) << body;
    const auto r = curl({"--data-binary", "@" + body_file.native(), url("/echo_input.php")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), body.size());
    EXPECT_TRUE(r.body == body);
}

TEST_F(StreamingE2E, AbsoluteFormTargetNamesTheHost) {
    bool closed = false;
    const std::string out = raw_exchange(server_->port(),
                                         "GET http://example.test:8080/server.php?x=1 HTTP/1.1\r\n"
                                         "Host: other.test\r\nConnection: close\r\n\r\n",
                                         5s, &closed);
    const auto body = out.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << out;
    const auto s = nlohmann::json::parse(out.substr(body + 4));
    EXPECT_EQ(s["HTTP_HOST"], "example.test:8080");
    EXPECT_EQ(s["REQUEST_URI"], "/server.php?x=1");
    EXPECT_EQ(s["QUERY_STRING"], "x=1");
}

TEST_F(StreamingE2E, LargeStaticFileArrivesIntactAlsoWithRange) {
    const auto full = curl({url("/big.bin")});
    ASSERT_EQ(full.status, 200);
    EXPECT_EQ(full.header("content-length"), std::to_string(big_->size()));
    EXPECT_TRUE(full.body == *big_) << "body differs";
    // Slowly, so the socket fills and sendfile has to wait for it.
    const std::string slow = curl_raw({"--limit-rate", "4M", "--max-time", "20", url("/big.bin")});
    EXPECT_TRUE(slow == *big_) << "slow body differs (" << slow.size() << " bytes)";
    const auto range = curl({"-H", "Range: bytes=1000000-3999999", url("/big.bin")});
    ASSERT_EQ(range.status, 206);
    EXPECT_TRUE(range.body == big_->substr(1000000, 3000000));
}

TEST_F(StreamingE2E, ConcurrentSleepingRequestsUseEveryThread) {
    // 200 requests to a script that sleeps 1 s, on 16 PHP threads: ideally
    // 200 / 16 = 12.5 s; anything under twice that shows no serialisation.
    constexpr int kRequests = 200;
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    const auto start = Clock::now();
    for (int i = 0; i < kRequests; ++i) {
        clients.emplace_back([&] {
            const std::string out =
                raw_exchange(server_->port(), get("/sleep.php?s=1", "Connection: close\r\n"), 60s);
            if (out.rfind("HTTP/1.1 200 ", 0) == 0 && out.find("slept") != std::string::npos) ++ok;
        });
    }
    for (auto& t : clients) t.join();
    const auto elapsed = Clock::now() - start;
    EXPECT_EQ(ok.load(), kRequests);
    EXPECT_LT(elapsed, 25s);
    EXPECT_GE(elapsed, 12s); // the threads really were the limit
}

// The server's resident memory in KiB (VmRSS), or 0 when it cannot be read.
long resident_kib(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

// A client that pipelines without reading the answers must not make the
// server buffer without bound: it reads ahead a little, then stops reading
// (TCP flow control pushes back on the client) while others are served.
TEST_F(StreamingE2E, PipeliningIsBounded) {
    const long before = resident_kib(server_->pid());
    Client flood(server_->port());
    std::string burst;
    while (burst.size() < 1024 * 1024) burst += get("/hello.php");
    constexpr std::size_t kOffered = 64 * 1024 * 1024;
    std::size_t sent = 0;
    const auto deadline = Clock::now() + 3s;
    while (sent < kOffered && Clock::now() < deadline) {
        const ssize_t n =
            ::send(flood.fd(), burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else {
            std::this_thread::sleep_for(10ms);
        }
    }
    EXPECT_LT(sent, kOffered) << "the server swallowed 64 MiB of unanswered requests";
#ifndef __SANITIZE_ADDRESS__
    // (AddressSanitizer keeps freed memory in quarantine, so resident memory
    // says nothing about buffering there.)
    const long after = resident_kib(server_->pid());
    EXPECT_LT(after - before, 32 * 1024)
        << "server memory grew from " << before << " to " << after << " KiB";
#else
    (void)before;
#endif
    const auto other = curl({url("/hello.php")});
    EXPECT_EQ(other.status, 200);
}

// The body is read before PHP starts, so clients that stall mid-body hold
// no PHP thread: with more stalled uploads than threads, others are served.
TEST_F(StreamingE2E, StalledBodiesHoldNoPhpThread) {
    std::vector<std::unique_ptr<Client>> stalled;
    for (int i = 0; i < 24; ++i) { // the server has 16 PHP threads
        stalled.push_back(std::make_unique<Client>(server_->port()));
        stalled.back()->send(
            "POST /echo_input.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
            "only ten b");
    }
    const auto start = Clock::now();
    const auto r = curl({url("/echo_id.php?id=7")});
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(Clock::now() - start, 5s);
}

// Each request served over either protocol is one line in the access log.
TEST(AccessLogE2E, BothProtocolsWriteCombinedLines) {
    TempDir site("ephpm-access-site");
    TempDir work("ephpm-access-work");
    site.write("hello.php", "<?php echo 'hi';");
    site.write("a.txt", "text\n");
    const auto log = work.path() / "access.log";
    ServerProcess server(work.path(), config_for(site.path(), 2) +
                                          "\n[server.logging]\naccess = \"" + log.native() +
                                          "\"\naccess_format = \"combined\"\n");
    ASSERT_TRUE(server.started()) << server.output();
    EXPECT_EQ(curl({"-A", "agent \"one\"", server.url("/hello.php?x=1")}).status, 200);
    EXPECT_EQ(curl({"--http2-prior-knowledge", server.url("/a.txt")}).status, 200);
    EXPECT_EQ(curl({server.url("/missing.txt")}).status, 404);
    server.signal(SIGTERM);
    ASSERT_EQ(server.wait_exit(15s), 0) << server.output();
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[0].find("\"GET /hello.php?x=1 HTTP/1.1\" 200 2 \"-\" \"agent \\\"one\\\"\""),
              std::string::npos)
        << lines[0];
    EXPECT_NE(lines[1].find("\"GET /a.txt HTTP/2.0\" 200 5 "), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("\"GET /missing.txt HTTP/1.1\" 404 "), std::string::npos) << lines[2];
    EXPECT_EQ(lines[0].rfind("127.0.0.1 - - [", 0), 0u) << lines[0];
}

} // namespace
} // namespace ephpm::testing
