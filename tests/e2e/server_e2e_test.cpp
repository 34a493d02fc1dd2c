// The real binary, a real socket, curl as the client: what a user of
// `ephpm --config ephpm.toml` gets.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_process.hpp"
#include "platform/pinned_to_one_cpu.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSourceMarker = "SOURCE-MARKER-7f3a";

std::string config_for(const std::filesystem::path& docroot, const std::string& listen) {
    return "[server]\n"
           "listen = \"" +
           listen +
           "\"\n"
           "document_root = \"" +
           docroot.native() +
           "\"\n"
           // Two io threads: connections alternate between them, so every
           // test also crosses threads (and shutdown must stop both).
           "io_threads = 2\n"
           "\n[php]\n"
           "workers = 2\n"
           "max_execution_time = 10\n";
}

// 1000 bytes, 'a' + offset % 26 each, so a slice from the wrong offset shows.
std::string range_content() {
    std::string content(1000, ' ');
    for (std::size_t i = 0; i < content.size(); ++i) {
        content[i] = static_cast<char>('a' + i % 26);
    }
    return content;
}

// 600 KiB whose bytes depend on their offset: large enough to be sent by
// the sendfile threads.
std::string large_content() {
    std::string content(600 * 1024, ' ');
    for (std::size_t i = 0; i < content.size(); ++i) {
        content[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    }
    return content;
}

// A site exercising every routing rule.
void write_site(const TempDir& site) {
    site.write("index.php",
               "<?php echo 'front:', $_SERVER['REQUEST_URI'], ':', "
               "$_SERVER['SCRIPT_NAME'], ':', $_SERVER['QUERY_STRING'];");
    site.write("hello.php", "<?php echo 'Hello from PHP ', PHP_VERSION;");
    site.write("server.php",
               "<?php header('Content-Type: application/json'); "
               "echo json_encode($_SERVER);");
    site.write("form.php",
               "<?php echo json_encode(['post' => $_POST, "
               "'method' => $_SERVER['REQUEST_METHOD']]);");
    site.write("cookie.php", "<?php echo json_encode($_COOKIE);");
    site.write("input_digest.php",
               "<?php $b = file_get_contents('php://input'); echo strlen($b), ' ', "
               "hash('sha256', $b), ' ', strlen($_POST['a'] ?? '');");
    site.write("parse_body.php",
               "<?php [$post, $files] = request_parse_body(); "
               "echo strlen($post['a'] ?? ''), ' ', count($files);");
    site.write("created.php",
               "<?php http_response_code(201); header('X-Made-By: e2e'); "
               "setcookie('a', '1'); setcookie('b', '2'); echo 'created';");
    site.write("fatal.php", "<?php undefined_function_for_e2e();");
    site.write("partial_then_fatal.php", "<?php echo 'half a page'; undefined_function_for_e2e();");
    // A child process must get default signal handling from the server.
    site.write("child_signal.php",
               "<?php $p = proc_open(['sleep', '30'], [], $pipes); usleep(100000); "
               "proc_terminate($p, 15); $deadline = microtime(true) + 5; "
               "do { $s = proc_get_status($p); usleep(10000); } "
               "while ($s['running'] && microtime(true) < $deadline); "
               "echo $s['running'] ? 'still running' : 'terminated by ' . $s['termsig']; "
               "if ($s['running']) { proc_terminate($p, 9); } proc_close($p);");
    site.write("secret.php", std::string("<?php /* ") + kSourceMarker + " */ echo 'ran';");
    site.write("UPPER.PHP", std::string("<?php /* ") + kSourceMarker + " */ echo 'ran';");
    site.write("legacy.phtml", std::string("<?php /* ") + kSourceMarker + " */");
    site.write("x.php.txt", "<?php echo 'not executed'; ?>\n");
    site.write("style.css", "body { color: red; }\n");
    site.write("range.txt", range_content());
    site.write("large.bin", large_content());
    site.write("edited.txt", "one\n");
    site.write(".env", "DB_PASSWORD=hunter2\n");
    site.write(".git/config", "[core]\n");
    site.write(".well-known/security.txt", "Contact: mailto:security@example.com\n");
    site.write("sub/index.html", "<h1>sub</h1>\n");
}

// A test suite's own server: the usual site and config plus `extra`.
struct SuiteServer {
    std::unique_ptr<TempDir> site;
    std::unique_ptr<TempDir> work;
    std::unique_ptr<ServerProcess> process;
    std::string listen;

    void start(const std::string& extra = {}) {
        site = std::make_unique<TempDir>("ephpm-e2e-site");
        work = std::make_unique<TempDir>("ephpm-e2e-work");
        write_site(*site);
        listen = free_listen_address();
        process =
            std::make_unique<ServerProcess>(work->path(), config_for(site->path(), listen) + extra);
    }
    void stop() {
        if (process) {
            process->signal(SIGTERM);
            process->wait_exit(15s);
        }
        process.reset();
        work.reset();
        site.reset();
    }
};

class ServerE2E : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        suite_.start();
        site_ = suite_.site.get();
        work_ = suite_.work.get();
        server_ = suite_.process.get();
    }
    static void TearDownTestSuite() { suite_.stop(); }
    void SetUp() override {
        ASSERT_TRUE(server_->started()) << "ephpm did not start:\n" << server_->output();
    }

    static std::string url(const std::string& path) { return server_->url(path); }

    static SuiteServer suite_;
    static TempDir* site_;
    static TempDir* work_;
    static ServerProcess* server_;
};

SuiteServer ServerE2E::suite_;
TempDir* ServerE2E::site_ = nullptr;
TempDir* ServerE2E::work_ = nullptr;
ServerProcess* ServerE2E::server_ = nullptr;

TEST_F(ServerE2E, BannerNamesAddressPhpAndWorkers) {
    const std::string out = server_->output();
    EXPECT_EQ("127.0.0.1:" + std::to_string(server_->port()), suite_.listen);
    EXPECT_NE(out.find("ePHPm "), std::string::npos) << out;
    EXPECT_NE(out.find("PHP 8.4."), std::string::npos) << out;
    EXPECT_NE(out.find("ZTS"), std::string::npos) << out;
    EXPECT_NE(out.find("2 worker threads, 2 io threads"), std::string::npos) << out;
    EXPECT_NE(out.find(site_->path().native()), std::string::npos) << out;
}

// The names of the server's threads (/proc/<pid>/task/*/comm).
std::multiset<std::string> thread_names(int pid) {
    std::multiset<std::string> names;
    const auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        names.insert(name);
    }
    return names;
}

TEST_F(ServerE2E, ThreadsAreNamedByRole) {
    // The config has 2 PHP workers and 2 io threads; io thread 0 is the
    // main thread, which keeps the process's name. The second io thread
    // starts after the banner: give it a moment.
    const std::multiset<std::string> expected = {"ephpm", "ephpm-io-1", "ephpm-php-0",
                                                 "ephpm-php-1", "ephpm-signals"};
    std::multiset<std::string> names;
    for (int i = 0; i < 100; ++i) {
        names = thread_names(server_->pid());
        if (names == expected) break;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(names, expected);
}

TEST_F(ServerE2E, RunsAPhpScript) {
    const auto r = curl({url("/hello.php")});
    ASSERT_EQ(r.curl_exit, 0);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.rfind("Hello from PHP 8.4.", 0), 0u) << r.body;
    EXPECT_TRUE(r.has_header("date"));
    EXPECT_FALSE(r.has_header("server")); // no version-leaking header of our own
}

TEST_F(ServerE2E, HeadOnPhpRunsTheScriptWithoutABody) {
    const auto r = curl({"-I", url("/created.php")});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.header("x-made-by"), "e2e");
    // PHP drops a HEAD body itself; claiming "Content-Length: 0" would be a lie.
    EXPECT_FALSE(r.has_header("content-length"));
    EXPECT_EQ(r.body, "");
}

TEST_F(ServerE2E, ServerVariables) {
    const auto r = curl({"-H", "X-Custom: yes", "-H", "X_Forwarded_For: 6.6.6.6", "-H",
                         "Proxy: http://evil:3128", url("/server.php/extra/path?a=1&b=two")});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto s = nlohmann::json::parse(r.body);
    EXPECT_EQ(s["REQUEST_URI"], "/server.php/extra/path?a=1&b=two");
    EXPECT_EQ(s["SCRIPT_NAME"], "/server.php");
    EXPECT_EQ(s["PATH_INFO"], "/extra/path");
    EXPECT_EQ(s["PHP_SELF"], "/server.php/extra/path");
    EXPECT_EQ(s["SCRIPT_FILENAME"], (site_->path() / "server.php").native());
    EXPECT_EQ(s["DOCUMENT_ROOT"], site_->path().native());
    EXPECT_EQ(s["QUERY_STRING"], "a=1&b=two");
    EXPECT_EQ(s["REQUEST_METHOD"], "GET");
    EXPECT_EQ(s["REMOTE_ADDR"], "127.0.0.1");
    EXPECT_EQ(s["SERVER_ADDR"], "127.0.0.1");
    EXPECT_EQ(s["SERVER_PORT"], std::to_string(server_->port()));
    EXPECT_EQ(s["SERVER_PROTOCOL"], "HTTP/1.1");
    EXPECT_EQ(s["GATEWAY_INTERFACE"], "CGI/1.1");
    EXPECT_EQ(s["REQUEST_SCHEME"], "http");
    EXPECT_EQ(s["SERVER_SOFTWARE"].get<std::string>().rfind("ePHPm/", 0), 0u);
    EXPECT_EQ(s["HTTP_X_CUSTOM"], "yes");
    EXPECT_FALSE(s.contains("HTTP_X_FORWARDED_FOR")) << r.body;
    EXPECT_FALSE(s.contains("HTTP_PROXY")) << r.body;
    EXPECT_FALSE(s.contains("HTTPS")) << r.body;
}

TEST_F(ServerE2E, PostedFormReachesPost) {
    const auto r = curl({"-d", "name=Ada&lang=php", url("/form.php")});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["post"]["name"], "Ada");
    EXPECT_EQ(j["post"]["lang"], "php");
}

TEST_F(ServerE2E, CookiesReachCookie) {
    const auto r = curl({"-b", "flavor=choc; size=xl", url("/cookie.php")});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["flavor"], "choc");
    EXPECT_EQ(j["size"], "xl");
}

TEST_F(ServerE2E, ScriptStatusAndHeadersReachTheClient) {
    const auto r = curl({url("/created.php")});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.header("x-made-by"), "e2e");
    EXPECT_EQ(r.headers.count("set-cookie"), 2u);
    EXPECT_EQ(r.body, "created");
}

TEST_F(ServerE2E, StaticFileWithTypeAndConditionalGet) {
    const auto r = curl({url("/style.css")});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(r.body, "body { color: red; }\n");
    EXPECT_TRUE(r.has_header("last-modified"));
    const std::string etag = r.header("etag");
    ASSERT_EQ(etag.rfind("W/\"", 0), 0u) << etag;

    const auto again = curl({"-H", "If-None-Match: " + etag, url("/style.css")});
    EXPECT_EQ(again.status, 304);
    EXPECT_EQ(again.body, "");
    EXPECT_EQ(again.header("etag"), etag);

    const auto other = curl({"-H", "If-None-Match: W/\"nope\"", url("/style.css")});
    EXPECT_EQ(other.status, 200);

    const auto head = curl({"-I", url("/style.css")});
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), "21");
    EXPECT_EQ(head.body, "");
}

TEST_F(ServerE2E, LargeFileArrivesWholeFromTheSendThreads) {
    const auto r = curl({url("/large.bin")});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-length"), std::to_string(large_content().size()));
    EXPECT_TRUE(r.body == large_content()) << "body differs (" << r.body.size() << " bytes)";
    // Started by the first large file, and named like the other threads.
    EXPECT_EQ(thread_names(server_->pid()).count("ephpm-send-1"), 1u);
}

TEST_F(ServerE2E, AnEditedSmallFileIsServedAsItIsNow) {
    // Small files are kept in memory once unchanged for a second; an edit
    // of the same size must still show at once.
    std::this_thread::sleep_for(1100ms);
    ASSERT_EQ(curl({url("/edited.txt")}).body, "one\n");
    ASSERT_EQ(curl({url("/edited.txt")}).body, "one\n"); // now from memory
    site_->write("edited.txt", "two\n");
    EXPECT_EQ(curl({url("/edited.txt")}).body, "two\n");
    // Removed: the front controller answers, as for any missing file.
    std::filesystem::remove(site_->path() / "edited.txt");
    EXPECT_EQ(curl({url("/edited.txt")}).body.rfind("front:", 0), 0u);
}

TEST_F(ServerE2E, RangeServesExactlyTheRequestedBytes) {
    const std::string content = range_content();
    const auto full = curl({url("/range.txt")});
    ASSERT_EQ(full.status, 200);
    EXPECT_EQ(full.header("accept-ranges"), "bytes");
    EXPECT_EQ(full.body, content);

    const auto r = curl({"-H", "Range: bytes=100-199", url("/range.txt")});
    ASSERT_EQ(r.status, 206);
    EXPECT_EQ(r.header("content-range"), "bytes 100-199/1000");
    EXPECT_EQ(r.header("content-length"), "100");
    EXPECT_EQ(r.body, content.substr(100, 100));

    const auto open_ended = curl({"-H", "Range: bytes=990-", url("/range.txt")});
    ASSERT_EQ(open_ended.status, 206);
    EXPECT_EQ(open_ended.header("content-range"), "bytes 990-999/1000");
    EXPECT_EQ(open_ended.body, content.substr(990));

    const auto clamped = curl({"-H", "Range: bytes=995-5000", url("/range.txt")});
    ASSERT_EQ(clamped.status, 206);
    EXPECT_EQ(clamped.header("content-range"), "bytes 995-999/1000");
    EXPECT_EQ(clamped.body, content.substr(995));
}

TEST_F(ServerE2E, SuffixRangeServesTheLastBytes) {
    const auto r = curl({"-H", "Range: bytes=-7", url("/range.txt")});
    ASSERT_EQ(r.status, 206);
    EXPECT_EQ(r.header("content-range"), "bytes 993-999/1000");
    EXPECT_EQ(r.body, range_content().substr(993));
}

TEST_F(ServerE2E, UnsatisfiableRangeIs416) {
    const auto r = curl({"-H", "Range: bytes=1000-", url("/range.txt")});
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(r.header("content-range"), "bytes */1000");
}

TEST_F(ServerE2E, InvalidOrMultipleRangesGetTheWholeFile) {
    for (const std::string range : {"bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=x-y"}) {
        const auto r = curl({"-H", "Range: " + range, url("/range.txt")});
        EXPECT_EQ(r.status, 200) << range;
        EXPECT_FALSE(r.has_header("content-range")) << range;
        EXPECT_EQ(r.body, range_content()) << range;
    }
}

TEST_F(ServerE2E, IfRangeHonoursOnlyTheCurrentValidator) {
    const auto full = curl({url("/range.txt")});
    ASSERT_EQ(full.status, 200);
    const std::string last_modified = full.header("last-modified");
    ASSERT_FALSE(last_modified.empty());

    const auto fresh =
        curl({"-H", "Range: bytes=0-9", "-H", "If-Range: " + last_modified, url("/range.txt")});
    EXPECT_EQ(fresh.status, 206);
    EXPECT_EQ(fresh.body, range_content().substr(0, 10));

    const auto stale = curl({"-H", "Range: bytes=0-9", "-H",
                             "If-Range: Sun, 06 Nov 1994 08:49:37 GMT", url("/range.txt")});
    EXPECT_EQ(stale.status, 200);
    EXPECT_EQ(stale.body, range_content());

    // Our ETags are weak, and If-Range needs a strong match.
    const auto by_tag = curl(
        {"-H", "Range: bytes=0-9", "-H", "If-Range: " + full.header("etag"), url("/range.txt")});
    EXPECT_EQ(by_tag.status, 200);
    EXPECT_EQ(by_tag.body, range_content());
}

TEST_F(ServerE2E, RangeComesAfterConditionalGetAndWorksWithHead) {
    const auto full = curl({url("/range.txt")});
    const auto cached = curl({"-H", "Range: bytes=0-9", "-H",
                              "If-None-Match: " + full.header("etag"), url("/range.txt")});
    EXPECT_EQ(cached.status, 304);

    const auto head = curl({"-I", "-H", "Range: bytes=10-19", url("/range.txt")});
    EXPECT_EQ(head.status, 206);
    EXPECT_EQ(head.header("content-range"), "bytes 10-19/1000");
    EXPECT_EQ(head.header("content-length"), "10");
    EXPECT_EQ(head.body, "");

    const auto head416 = curl({"-I", "-H", "Range: bytes=2000-", url("/range.txt")});
    EXPECT_EQ(head416.status, 416);
    EXPECT_EQ(head416.header("content-range"), "bytes */1000");
}

TEST_F(ServerE2E, RangeIsIgnoredForPhp) {
    const auto r = curl({"-H", "Range: bytes=0-3", url("/hello.php")});
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.has_header("content-range"));
    EXPECT_EQ(r.body.rfind("Hello from PHP ", 0), 0u) << r.body;
}

TEST_F(ServerE2E, DotfilesAreForbiddenExceptWellKnown) {
    for (const char* path : {"/.env", "/.git/config", "/%2eenv"}) {
        const auto r = curl({url(path)});
        EXPECT_EQ(r.status, 403) << path;
        EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << path;
    }
    const auto r = curl({url("/.well-known/security.txt")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(ServerE2E, TraversalNeverLeavesTheDocumentRoot) {
    for (const char* path : {"/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/sub/../../etc/passwd",
                             "/..%2f..%2fetc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                             "/sub/%2e%2e/%2e%2e/etc/passwd", "/..\\..\\etc\\passwd"}) {
        const auto r = curl({"--path-as-is", url(path)});
        EXPECT_EQ(r.curl_exit, 0) << path;
        EXPECT_EQ(r.status, 400) << path;
        EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
    }
}

TEST_F(ServerE2E, PhpSourceIsNeverServed) {
    struct Case {
        const char* path;
        int status;
    };
    for (const Case& c :
         {Case{"/secret.php", 200}, Case{"/secret.php/", 200}, Case{"/UPPER.PHP", 403},
          Case{"/legacy.phtml", 403}, Case{"/secret.php%00.txt", 400}, Case{"/secret.php.", 200},
          Case{"/secret.ph%70", 200}, Case{"/SECRET.PHP", 200}}) {
        const auto r = curl({"--path-as-is", url(c.path)});
        EXPECT_EQ(r.status, c.status) << c.path;
        EXPECT_EQ(r.body.find(kSourceMarker), std::string::npos) << c.path << ": " << r.body;
    }
    EXPECT_EQ(curl({url("/secret.php")}).body, "ran");
}

TEST_F(ServerE2E, PhpLookingTextFileIsStaticText) {
    const auto r = curl({url("/x.php.txt")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r.body, "<?php echo 'not executed'; ?>\n");
}

TEST_F(ServerE2E, PrettyUrlFallsBackToIndexPhp) {
    const auto r = curl({url("/blog/2024/hello-world?page=2")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "front:/blog/2024/hello-world?page=2:/index.php:page=2");
}

TEST_F(ServerE2E, DirectoryRedirectsThenServesIndex) {
    const auto r = curl({url("/sub?x=1")});
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.header("location"), "/sub/?x=1");
    const auto index = curl({url("/sub/")});
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.body, "<h1>sub</h1>\n");
}

TEST_F(ServerE2E, FatalErrorAfterOutputIs500WithoutTheHalfPage) {
    const auto r = curl({url("/partial_then_fatal.php")});
    ASSERT_EQ(r.curl_exit, 0);
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("half a page"), std::string::npos) << r.body;
}

TEST_F(ServerE2E, ChildProcessesOfScriptsCanBeTerminated) {
    const auto r = curl({url("/child_signal.php")});
    ASSERT_EQ(r.curl_exit, 0);
    EXPECT_EQ(r.body, "terminated by 15") << "the server's signal mask leaked into the child";
}

TEST_F(ServerE2E, FatalErrorIs500AndTheNextRequestIsFine) {
    const auto fatal = curl({url("/fatal.php")});
    EXPECT_EQ(fatal.status, 500);
    const auto next = curl({url("/hello.php")});
    EXPECT_EQ(next.status, 200);
    EXPECT_EQ(next.body.rfind("Hello from PHP", 0), 0u);
}

TEST_F(ServerE2E, KeepAliveReusesTheConnection) {
    const std::string out = curl_raw({"-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w",
                                      "%{http_code}/%{num_connects} ", url("/hello.php"),
                                      url("/style.css"), url("/hello.php")});
    EXPECT_EQ(out, "200/1 200/0 200/0 ");
}

TEST_F(ServerE2E, OversizedHeadersAre431) {
    const auto r = curl({"-H", "X-Big: " + std::string(20000, 'a'), url("/hello.php")});
    EXPECT_EQ(r.status, 431);
}

TEST_F(ServerE2E, OversizedBodyIs413) {
    const auto body = work_->path() / "big.bin";
    std::ofstream(body, std::ios::binary) << std::string(9 * 1024 * 1024, 'x');
    const auto r = curl({"--data-binary", "@" + body.native(), url("/form.php")});
    EXPECT_EQ(r.status, 413);
    // Chunked, so the limit is only found while reading the body.
    const auto chunked = curl({"-H", "Transfer-Encoding: chunked", "--data-binary",
                               "@" + body.native(), url("/form.php")});
    EXPECT_EQ(chunked.status, 413);
}

TEST_F(ServerE2E, MalformedTargetIs400) {
    const auto r = curl({"--path-as-is", url("/a%2Fb")});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "400 Bad Request\n");
}

// Request smuggling (RFC 9112 §6.1, §6.3): curl cannot send ambiguous
// framing, so these write raw bytes. Each smuggling request is followed by a
// pipelined GET that must never be answered: the connection has to close
// instead of guessing where the next request starts.

constexpr auto kRawTimeout = 5s;
const std::string kHost = "Host: 127.0.0.1\r\n";
const std::string kPipelined = "GET /hello.php HTTP/1.1\r\n" + kHost + "\r\n";

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size())) {
        ++count;
    }
    return count;
}

TEST_F(ServerE2E, RawHelperSeesPipelinedResponses) {
    // The control for the tests below: well-framed requests are all answered.
    bool closed = false;
    const std::string out = raw_exchange(server_->port(),
                                         "POST /form.php HTTP/1.1\r\n" + kHost +
                                             "Content-Type: application/x-www-form-urlencoded\r\n"
                                             "Content-Length: 3\r\n\r\na=1"
                                             "GET /hello.php HTTP/1.1\r\n" +
                                             kHost + "Connection: close\r\n\r\n",
                                         kRawTimeout, &closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u) << out;
    EXPECT_NE(out.find(R"("a":"1")"), std::string::npos) << out;
    EXPECT_EQ(count_of(out, "HTTP/1.1 200 "), 2u) << out;
    EXPECT_NE(out.find("Hello from PHP"), std::string::npos) << out;
}

TEST_F(ServerE2E, AmbiguousFramingIsRefusedAndClosesTheConnection) {
    struct Case {
        std::string headers;
        int status;
    };
    const std::vector<Case> cases = {
        {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400},
        {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400},
        {"Transfer-Encoding: gzip\r\nContent-Length: 5\r\n", 400},
        {"Content-Length: 5\r\nContent-Length: 5\r\n", 400},
        {"Content-Length: 5, 5\r\n", 400},
        {"Content-Length: 5\r\nContent-Length: 6\r\n", 400},
        {"Content-Length: +5\r\n", 400},
        {"Content-Length: 5 5\r\n", 400},
        {"Content-Length: \r\n", 400},
        {"Content-Length: -1\r\n", 400},
        {"Content-Length: abc\r\n", 400},
        {"Transfer-Encoding: gzip\r\n", 501},
        {"Transfer-Encoding: chunked, gzip\r\n", 501},
        {"Transfer-Encoding: identity\r\n", 501},
        {"Transfer-Encoding: xchunked\r\n", 501},
        {"Transfer-Encoding: chunked, chunked\r\n", 400},
        {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
    };
    for (const auto& c : cases) {
        bool closed = false;
        // "0\r\n\r\n" ends a chunked body, and is five bytes of a sized one.
        const std::string out = raw_exchange(
            server_->port(),
            "POST /form.php HTTP/1.1\r\n" + kHost + c.headers + "\r\n0\r\n\r\n" + kPipelined,
            kRawTimeout, &closed);
        const std::string status_line = "HTTP/1.1 " + std::to_string(c.status) + " ";
        EXPECT_EQ(out.rfind(status_line, 0), 0u) << c.headers << "->\n" << out;
        EXPECT_NE(out.find("Connection: close"), std::string::npos) << c.headers;
        EXPECT_TRUE(closed) << c.headers;
        EXPECT_EQ(count_of(out, "HTTP/1.1 "), 1u) << c.headers << "->\n" << out;
        EXPECT_EQ(out.find("Hello from PHP"), std::string::npos) << c.headers;
    }
}

TEST_F(ServerE2E, ExpectContinueIsAnsweredBeforeTheBody) {
    bool closed = false;
    const std::string out = raw_exchange(server_->port(),
                                         "POST /form.php HTTP/1.1\r\n" + kHost +
                                             "Content-Type: application/x-www-form-urlencoded\r\n"
                                             "Content-Length: 3\r\n"
                                             "Expect: 100-continue\r\n"
                                             "Connection: close\r\n\r\na=1",
                                         kRawTimeout, &closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(out.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ", 0), 0u) << out;
    EXPECT_NE(out.find(R"("a":"1")"), std::string::npos) << out;

    // curl waits for the 100 (up to --expect100-timeout) before it sends.
    const auto body = work_->path() / "small-form.txt";
    std::ofstream(body, std::ios::binary) << "b=2";
    const std::vector<std::string> args = {"-H",
                                           "Expect: 100-continue",
                                           "--expect100-timeout",
                                           "5",
                                           "--data-binary",
                                           "@" + body.native(),
                                           url("/form.php")};
    const auto r = curl(args);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(R"("b":"2")"), std::string::npos) << r.body;
    std::vector<std::string> raw_args = {"-i"};
    raw_args.insert(raw_args.end(), args.begin(), args.end());
    const std::string stream = curl_raw(raw_args);
    const auto interim = stream.find("HTTP/1.1 100 Continue");
    ASSERT_NE(interim, std::string::npos) << stream;
    EXPECT_LT(interim, stream.find("HTTP/1.1 200 ")) << stream;
}

TEST_F(ServerE2E, ExpectContinueWithAnOversizedBodyIs413WithoutContinue) {
    bool closed = false;
    const std::string out = raw_exchange(server_->port(),
                                         "POST /form.php HTTP/1.1\r\n" + kHost +
                                             "Content-Length: 9437184\r\n"
                                             "Expect: 100-continue\r\n\r\n",
                                         kRawTimeout, &closed);
    EXPECT_EQ(out.rfind("HTTP/1.1 413 ", 0), 0u) << out;
    EXPECT_EQ(out.find("100 Continue"), std::string::npos) << out;
    EXPECT_TRUE(closed);

    const auto body = work_->path() / "big-expect.bin";
    std::ofstream(body, std::ios::binary) << std::string(9 * 1024 * 1024, 'x');
    const std::string stream =
        curl_raw({"-i", "-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary",
                  "@" + body.native(), url("/form.php")});
    EXPECT_EQ(stream.rfind("HTTP/1.1 413 ", 0), 0u) << stream.substr(0, 200);
    EXPECT_EQ(stream.find("100 Continue"), std::string::npos);
}

TEST_F(ServerE2E, UnknownExpectationIs417) {
    bool closed = false;
    const std::string out = raw_exchange(server_->port(),
                                         "POST /form.php HTTP/1.1\r\n" + kHost +
                                             "Content-Length: 3\r\n"
                                             "Expect: something\r\n\r\na=1" +
                                             kPipelined,
                                         kRawTimeout, &closed);
    EXPECT_EQ(out.rfind("HTTP/1.1 417 ", 0), 0u) << out;
    EXPECT_TRUE(closed);
    EXPECT_EQ(count_of(out, "HTTP/1.1 "), 1u) << out;
}

// The body timeout bounds each silence of an upload, not the whole upload
// (nginx's client_body_timeout): here 1 s.
class BodyTimeout : public ::testing::Test {
protected:
    static void SetUpTestSuite() { suite_.start("\n[server.timeouts]\nbody = \"1s\"\n"); }
    static void TearDownTestSuite() { suite_.stop(); }
    void SetUp() override {
        server_ = suite_.process.get();
        ASSERT_TRUE(server_->started()) << "ephpm did not start:\n" << server_->output();
    }

    static std::string form_head(std::size_t length) {
        return "POST /form.php HTTP/1.1\r\n" + kHost +
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: " +
               std::to_string(length) + "\r\nConnection: close\r\n\r\n";
    }

    static SuiteServer suite_;
    ServerProcess* server_ = nullptr;
};

SuiteServer BodyTimeout::suite_;

TEST_F(BodyTimeout, ASlowUploadThatKeepsMovingIsServed) {
    // Six pieces 400 ms apart: 2 s in all, twice the timeout, never 1 s silent.
    const std::vector<std::string> body = {"a=", "0123", "4567", "89ab", "cdef", "!"};
    std::size_t length = 0;
    for (const auto& piece : body) length += piece.size();
    std::vector<std::string> pieces = {form_head(length)};
    pieces.insert(pieces.end(), body.begin(), body.end());
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    const std::string out = raw_exchange(server_->port(), pieces, 400ms, 10s, &closed);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u) << out;
    EXPECT_NE(out.find(R"("a":"0123456789abcdef!")"), std::string::npos) << out;
    EXPECT_TRUE(closed);
}

TEST_F(BodyTimeout, AStalledUploadIs408AndCloses) {
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    // Part of the body, then silence.
    const std::string out =
        raw_exchange(server_->port(), {form_head(100), "a=1&b="}, 0ms, 10s, &closed);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(out.rfind("HTTP/1.1 408 ", 0), 0u) << out;
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
    EXPECT_TRUE(closed);
    EXPECT_GE(waited, 900ms);
    EXPECT_LT(waited, 5s); // the 1 s timeout, plus the short linger after the 408
}

// PHP moves a request body it keeps past 16 KiB into a temporary file; ePHPm
// keeps up to 1 MiB in memory. So with no usable temporary directory (a
// FROM scratch container has no /tmp) such bodies still arrive whole, for
// every way PHP reads them.
class WithoutTempDir : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        suite_.start(
            "ini_overrides = [[\"upload_tmp_dir\", \"/nonexistent-ephpm-tmp\"], "
            "[\"sys_temp_dir\", \"/nonexistent-ephpm-tmp\"]]\n");
        // 100 KB of form-encoded text, so one file serves as either kind of body.
        const auto path = suite_.work->path() / "body.txt";
        std::ofstream(path, std::ios::binary) << "a=" << std::string(100 * 1000, 'x');
        body_ = path.native();
        const auto [code, out] = run_command("sha256sum " + body_);
        digest_ = code == 0 ? out.substr(0, 64) : std::string("sha256sum failed");
    }
    static void TearDownTestSuite() { suite_.stop(); }
    void SetUp() override {
        ASSERT_TRUE(suite_.process->started()) << "ephpm did not start:\n"
                                               << suite_.process->output();
    }

    // The status and what input_digest.php says about the body it got.
    static std::string upload(const std::vector<std::string>& curl_args) {
        std::vector<std::string> args = curl_args;
        args.insert(args.end(),
                    {"--data-binary", "@" + body_, suite_.process->url("/input_digest.php")});
        const auto r = curl(args);
        return std::to_string(r.status) + " " + r.body;
    }

    static SuiteServer suite_;
    static std::string body_;
    static std::string digest_;
};

SuiteServer WithoutTempDir::suite_;
std::string WithoutTempDir::body_;
std::string WithoutTempDir::digest_;

TEST_F(WithoutTempDir, AJsonPostArrivesWhole) {
    EXPECT_EQ(upload({"-H", "Content-Type: application/json"}), "200 100002 " + digest_ + " 0");
}

TEST_F(WithoutTempDir, APutArrivesWhole) {
    EXPECT_EQ(upload({"-X", "PUT", "-H", "Content-Type: application/octet-stream"}),
              "200 100002 " + digest_ + " 0");
}

TEST_F(WithoutTempDir, AFormPostFillsPostAndInput) {
    EXPECT_EQ(upload({"-H", "Content-Type: application/x-www-form-urlencoded"}),
              "200 100002 " + digest_ + " 100000");
}

TEST_F(WithoutTempDir, APutFormIsParsedByRequestParseBody) {
    const auto r = curl({"-X", "PUT", "-H", "Content-Type: application/x-www-form-urlencoded",
                         "--data-binary", "@" + body_, suite_.process->url("/parse_body.php")});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "100000 0");
}

TEST_F(WithoutTempDir, APostWithoutContentTypeArrivesWhole) {
    // curl's -H "Content-Type:" removes the header it would add.
    EXPECT_EQ(upload({"-H", "Content-Type:"}), "200 100002 " + digest_ + " 0");
}

// Servers of their own: these end the process.

class ServerLifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        write_site(site_);
        // Writes a marker when it has started, so the test knows the request
        // is in flight before it signals.
        site_.write("sleep.php", "<?php file_put_contents('" +
                                     (work_.path() / "sleeping").native() +
                                     "', '1'); sleep(2); echo 'slept';");
    }
    bool wait_for_marker() const {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (std::filesystem::exists(work_.path() / "sleeping")) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    TempDir site_{"ephpm-e2e-site"};
    TempDir work_{"ephpm-e2e-work"};
};

TEST_F(ServerLifecycle, SigtermLetsTheInFlightRequestFinishThenExitsZero) {
    ServerProcess server(work_.path(), config_for(site_.path(), free_listen_address()));
    ASSERT_TRUE(server.started()) << server.output();
    auto slow = std::async(std::launch::async, [&] { return curl({server.url("/sleep.php")}); });
    ASSERT_TRUE(wait_for_marker()) << server.output();

    server.signal(SIGTERM);
    const auto r = slow.get();
    EXPECT_EQ(r.curl_exit, 0);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "slept");
    EXPECT_EQ(r.header("connection"), "close");

    EXPECT_EQ(server.wait_exit(15s), 0) << server.output();
    EXPECT_NE(server.output().find("SIGTERM received"), std::string::npos) << server.output();
    // Gone: nothing listens any more.
    EXPECT_EQ(curl({"--max-time", "2", server.url("/hello.php")}).curl_exit, 7);
}

TEST_F(ServerLifecycle, SigtermDrainsRequestsOnEveryIoThread) {
    ServerProcess server(work_.path(), config_for(site_.path(), free_listen_address()));
    ASSERT_TRUE(server.started()) << server.output();
    // Consecutive connections go to different io threads.
    auto first = std::async(std::launch::async, [&] { return curl({server.url("/sleep.php")}); });
    auto second = std::async(std::launch::async, [&] { return curl({server.url("/sleep.php")}); });
    ASSERT_TRUE(wait_for_marker()) << server.output();
    std::this_thread::sleep_for(200ms); // both scripts are running (2 workers)

    server.signal(SIGTERM);
    for (auto* slow : {&first, &second}) {
        const auto r = slow->get();
        EXPECT_EQ(r.curl_exit, 0);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "slept");
    }
    EXPECT_EQ(server.wait_exit(15s), 0) << server.output();
}

TEST_F(ServerLifecycle, SecondSignalExitsImmediately) {
    ServerProcess server(work_.path(), config_for(site_.path(), free_listen_address()));
    ASSERT_TRUE(server.started()) << server.output();
    auto slow = std::async(std::launch::async, [&] { return curl({server.url("/sleep.php")}); });
    ASSERT_TRUE(wait_for_marker()) << server.output();
    const auto start = std::chrono::steady_clock::now();
    server.signal(SIGTERM);
    std::this_thread::sleep_for(300ms);
    server.signal(SIGINT);
    EXPECT_EQ(server.wait_exit(5s), 1) << server.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1900ms); // before sleep(2) ended
    EXPECT_NE(slow.get().curl_exit, 0);
}

TEST_F(ServerLifecycle, IdleKeepAliveConnectionsDoNotDelayShutdown) {
    ServerProcess server(work_.path(), config_for(site_.path(), free_listen_address()));
    ASSERT_TRUE(server.started()) << server.output();
    // A client that connects and never sends anything.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    std::this_thread::sleep_for(100ms);
    const auto start = std::chrono::steady_clock::now();
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(5s), 0) << server.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    ::close(fd);
}

// `taskset -c 0 ephpm`: the defaults (io_threads = 0, workers = 0) count
// the CPUs the process may run on, not the machine's. The child inherits
// the affinity of the thread that starts it.
TEST_F(ServerLifecycle, DefaultThreadCountsFollowTheAffinityMask) {
    std::optional<ServerProcess> server;
    {
        const PinnedToOneCpu pin;
        ASSERT_TRUE(pin.pinned());
        server.emplace(work_.path(), "[server]\nlisten = \"" + free_listen_address() +
                                         "\"\ndocument_root = \"" + site_.path().native() + "\"\n");
    }
    ASSERT_TRUE(server->started()) << server->output();

    const std::string out = server->output();
    EXPECT_NE(out.find("2 worker threads, 1 io threads"), std::string::npos) << out;
    const int online = static_cast<int>(std::thread::hardware_concurrency());
    if (online > 1) {
        EXPECT_NE(out.find("1 of " + std::to_string(online) + " CPUs (affinity 1"),
                  std::string::npos)
            << out;
    }
    const auto names = thread_names(server->pid());
    EXPECT_EQ(names.count("ephpm-io-1"), 0u);
    EXPECT_EQ(names.count("ephpm-php-1"), 1u);
    EXPECT_EQ(names.count("ephpm-php-2"), 0u);
    const auto response = curl({server->url("/hello.php")});
    EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(ServerLifecycle, BusyPortIsAClearErrorAndExitCodeOne) {
    // Hold a port so the server cannot bind it.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string listen = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

    ServerProcess server(work_.path(), config_for(site_.path(), listen));
    EXPECT_FALSE(server.started());
    EXPECT_EQ(server.wait_exit(20s), 1) << server.output();
    EXPECT_NE(server.output().find("cannot listen on " + listen), std::string::npos)
        << server.output();
    ::close(fd);
}

} // namespace
} // namespace ephpm::testing
