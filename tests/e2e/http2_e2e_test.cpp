// HTTP/2 with prior knowledge (h2c) on the real binary, next to HTTP/1.1 on
// the same port: curl --http2-prior-knowledge and h2load as clients.

#include <gtest/gtest.h>
#include <signal.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <regex>
#include <string>

#include "e2e/server_process.hpp"
#include "server/http2_raw_frames.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;

// Output (stdout and stderr) of a shell command, cut off after 120 s.
std::string run(const std::string& command) {
    return run_command("timeout 120 " + command + " 2>&1").second;
}

class Http2E2E : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        site_ = std::make_unique<TempDir>("ephpm-h2-site");
        work_ = std::make_unique<TempDir>("ephpm-h2-work");
        site_->write("style.css", "body { color: red; }\n");
        site_->write("server.php",
                     "<?php header('Content-Type: application/json'); echo json_encode($_SERVER);");
        site_->write("form.php",
                     "<?php echo json_encode(['post' => $_POST, "
                     "'length' => strlen(file_get_contents('php://input'))]);");
        site_->write("hello.php", "<?php echo 'Hello from PHP';");
        std::string big(300'000, 'x');
        for (std::size_t i = 0; i < big.size(); i += 1000) big[i] = '\n';
        site_->write("big.txt", big);
        server_ = std::make_unique<ServerProcess>(
            work_->path(), "[server]\nlisten = \"" + free_listen_address() +
                               "\"\ndocument_root = \"" + site_->path().native() +
                               "\"\n\n[php]\nworkers = 2\nmax_execution_time = 10\n");
    }
    static void TearDownTestSuite() {
        if (server_) {
            server_->signal(SIGTERM);
            server_->wait_exit(15s);
        }
        server_.reset();
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
};

std::unique_ptr<TempDir> Http2E2E::site_;
std::unique_ptr<TempDir> Http2E2E::work_;
std::unique_ptr<ServerProcess> Http2E2E::server_;

TEST_F(Http2E2E, StaticFileOverHttp2) {
    const auto r = curl({"--http2-prior-knowledge", url("/style.css")});
    ASSERT_EQ(r.curl_exit, 0);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "body { color: red; }\n");
    EXPECT_EQ(r.header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(curl_raw({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version}",
                        url("/style.css")}),
              "2");
    const auto big = curl({"--http2-prior-knowledge", url("/big.txt")});
    EXPECT_EQ(big.status, 200);
    EXPECT_EQ(big.body.size(), 300'000u);
}

TEST_F(Http2E2E, PhpSeesHttp2) {
    const auto r = curl({"--http2-prior-knowledge", url("/server.php?q=1")});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto s = nlohmann::json::parse(r.body);
    EXPECT_EQ(s["SERVER_PROTOCOL"], "HTTP/2.0");
    EXPECT_EQ(s["HTTP_HOST"], "127.0.0.1:" + std::to_string(server_->port()));
    EXPECT_EQ(s["REQUEST_URI"], "/server.php?q=1");
    EXPECT_EQ(s["QUERY_STRING"], "q=1");
}

TEST_F(Http2E2E, PostBodyReachesPhp) {
    const auto r = curl({"--http2-prior-knowledge", "-d", "name=Ada&lang=php", url("/form.php")});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["post"]["name"], "Ada");
    EXPECT_EQ(j["post"]["lang"], "php");
    EXPECT_EQ(j["length"], 17);
}

TEST_F(Http2E2E, Http1StillWorksOnTheSamePort) {
    const auto r = curl({url("/server.php")});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body)["SERVER_PROTOCOL"], "HTTP/1.1");
    EXPECT_EQ(curl_raw({"-o", "/dev/null", "-w", "%{http_version}", url("/style.css")}), "1.1");
}

// h2load's summary: every request done and answered 2xx, nothing failed.
void expect_all_succeeded(const std::string& out) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m,
                                  std::regex(R"(requests: (\d+) total, (\d+) started, (\d+) done, )"
                                             R"((\d+) succeeded, (\d+) failed, (\d+) errored, )"
                                             R"((\d+) timeout)")))
        << out;
    EXPECT_EQ(m[1], "2000") << out;
    EXPECT_EQ(m[3], "2000") << out;
    EXPECT_EQ(m[4], "2000") << out;
    EXPECT_EQ(m[5], "0") << out;
    EXPECT_EQ(m[6], "0") << out;
    EXPECT_EQ(m[7], "0") << out;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(status codes: (\d+) 2xx)"))) << out;
    EXPECT_EQ(m[1], "2000") << out;
}

TEST_F(Http2E2E, H2loadAgainstPhp) {
    expect_all_succeeded(run("h2load -n 2000 -c 10 -m 10 " + url("/hello.php")));
}

TEST_F(Http2E2E, H2loadAgainstAStaticFile) {
    expect_all_succeeded(run("h2load -n 2000 -c 10 -m 10 " + url("/style.css")));
}

// The sniffer reads the preface and what follows it before the HTTP/2
// session starts: a request that stalls in those first bytes is timed too.
TEST(Http2Deadlines, AStalledUploadIs408AndTheStreamIsReset) {
    TempDir site("ephpm-h2-site");
    TempDir work("ephpm-h2-work");
    site.write("index.php", "<?php echo strlen(file_get_contents('php://input'));");
    ServerProcess server(work.path(), "[server]\nlisten = \"" + free_listen_address() +
                                          "\"\ndocument_root = \"" + site.path().native() +
                                          "\"\n\n[server.timeouts]\nbody = \"1s\"\n");
    ASSERT_TRUE(server.started()) << server.output();
    bool closed = false;
    const auto start = std::chrono::steady_clock::now();
    const std::string received =
        raw_exchange(server.port(), preface() + headers_frame('\x01', '\x83', true), 3s, &closed);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_FALSE(closed); // the connection goes on
    EXPECT_NE(received.find("408 Request Timeout\n"), std::string::npos);
    EXPECT_TRUE(has_frame(NGHTTP2_RST_STREAM, received));
    EXPECT_NE(server.output().find("\"POST / HTTP/2.0\" 408"), std::string::npos)
        << server.output();
}

} // namespace
} // namespace ephpm::testing
