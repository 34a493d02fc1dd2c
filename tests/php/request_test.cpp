// What a script sees of its request, and what it sends back, through our SAPI.

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

using nlohmann::json;

TEST(Request, ServerVariablesQueryAndCookies) {
    CapturedResponse out;
    auto job = fixture_job("request_dump.php", out, "a=1&b[]=x&b[]=y");
    job.method = "GET";
    job.cookie = "session=abc; theme=dark";
    job.server_vars = {{"REQUEST_METHOD", "GET"},          {"REQUEST_URI", job.request_uri},
                       {"QUERY_STRING", job.query_string}, {"SCRIPT_FILENAME", job.script_filename},
                       {"HTTP_X_CUSTOM", "custom value"},  {"SERVER_SOFTWARE", "ePHPm/test"}};
    auto seen = run_json(pool(), job);
    EXPECT_EQ(seen["server"]["REQUEST_METHOD"], "GET");
    EXPECT_EQ(seen["server"]["REQUEST_URI"], "/request_dump.php?a=1&b[]=x&b[]=y");
    EXPECT_EQ(seen["server"]["HTTP_X_CUSTOM"], "custom value");
    EXPECT_EQ(seen["get"]["a"], "1");
    EXPECT_EQ(seen["get"]["b"], json::array({"x", "y"}));
    EXPECT_EQ(seen["cookie"]["session"], "abc");
    EXPECT_EQ(seen["cookie"]["theme"], "dark");
    EXPECT_GT(seen["server"]["REQUEST_TIME"].get<long>(), 1700000000);
    EXPECT_TRUE(seen["server"]["REQUEST_TIME_FLOAT"].is_number_float());
    // getenv() sees the request's variables, as under php-fpm...
    EXPECT_EQ(seen["getenv_custom"], "custom value");
    // ...and never an HTTP_PROXY (httpoxy).
    EXPECT_EQ(seen["getenv_proxy"], false);
    // The script runs in its own directory.
    EXPECT_EQ(seen["cwd"], EPHPM_FIXTURES_DIR);
}

TEST(Request, HttpProxyFromAHeaderNeverReachesTheScript) {
    CapturedResponse out;
    auto job = fixture_job("request_dump.php", out);
    // Even if a host passed it, PHP's getenv() must not return it.
    job.server_vars = {{"HTTP_PROXY", "http://evil.example:3128"}};
    auto seen = run_json(pool(), job);
    EXPECT_EQ(seen["getenv_proxy"], false);
}

TEST(Request, FormPostBody) {
    CapturedResponse out;
    StringBody body("name=ada&langs%5B%5D=php&langs%5B%5D=c%2B%2B");
    auto job = fixture_job("request_dump.php", out);
    job.method = "POST";
    job.content_type = "application/x-www-form-urlencoded";
    job.content_length = 44;
    job.body = &body;
    auto seen = run_json(pool(), job);
    EXPECT_EQ(seen["post"]["name"], "ada");
    EXPECT_EQ(seen["post"]["langs"], json::array({"php", "c++"}));
}

TEST(Request, BasicAuthorizationFillsPhpAuthVariables) {
    CapturedResponse out;
    auto job = fixture_job("request_dump.php", out);
    job.authorization = "Basic dXNlcjpwYXNzOndvcmQ="; // user:pass:word
    auto seen = run_json(pool(), job);
    EXPECT_EQ(seen["server"]["PHP_AUTH_USER"], "user");
    EXPECT_EQ(seen["server"]["PHP_AUTH_PW"], "pass:word");
}

TEST(Request, StatusHeadersAndSeveralCookies) {
    CapturedResponse out;
    auto result = pool().execute(fixture_job("headers.php", out));
    ASSERT_EQ(result.outcome, php::Outcome::ok);
    EXPECT_EQ(out.status, 201);
    EXPECT_EQ(result.status, 201);
    EXPECT_EQ(out.value("X-One"), "1");
    EXPECT_EQ(out.value("X-Two"), "two");
    auto cookies = out.values("Set-Cookie");
    ASSERT_EQ(cookies.size(), 2u);
    EXPECT_EQ(cookies[0].rfind("a=1", 0), 0u);
    EXPECT_EQ(cookies[1].rfind("b=2", 0), 0u);
    // Header injection attempts never reach the response.
    EXPECT_TRUE(out.values("Injected").empty());
    EXPECT_TRUE(out.values("X-Evil").empty());
    EXPECT_TRUE(out.values("X-Nul").empty());
    for (const auto& [name, value] : out.headers) {
        EXPECT_EQ(name.find_first_of("\r\n", 0), std::string::npos);
        EXPECT_EQ(value.find_first_of(std::string("\r\n\0", 3)), std::string::npos) << name;
    }
    EXPECT_EQ(out.body, "done");
}

TEST(Request, LocationMeansFound) {
    CapturedResponse out;
    auto result = pool().execute(fixture_job("location.php", out));
    EXPECT_EQ(result.outcome, php::Outcome::ok);
    EXPECT_EQ(out.status, 302);
    EXPECT_EQ(out.value("Location"), "/elsewhere");
}

TEST(Request, FlushReachesTheSinkBeforeTheScriptEnds) {
    CapturedResponse out;
    auto result = pool().execute(fixture_job("flush.php", out));
    ASSERT_EQ(result.outcome, php::Outcome::ok);
    const std::vector<std::string> expected{"headers", "body:first", "flush", "body:second"};
    EXPECT_EQ(out.events, expected);
}

TEST(Request, MultipartUploadFillsFilesAndCleansUp) {
    const std::string boundary = "ephpmBoundary7MA4YWxk";
    std::string body =
        "--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"
        "--" +
        boundary +
        "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"notes.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nfile contents here\r\n"
        "--" +
        boundary + "--\r\n";
    CapturedResponse out;
    StringBody source(body);
    auto job = fixture_job("upload.php", out);
    job.method = "POST";
    job.content_type = "multipart/form-data; boundary=" + boundary;
    job.content_length = static_cast<std::int64_t>(body.size());
    job.body = &source;
    auto seen = run_json(pool(), job);
    EXPECT_EQ(seen["name"], "notes.txt");
    EXPECT_EQ(seen["error"], 0);
    EXPECT_EQ(seen["size"], 18);
    EXPECT_TRUE(seen["readable"].get<bool>());
    EXPECT_EQ(seen["content"], "file contents here");
    EXPECT_EQ(seen["field"], "value");
    ASSERT_TRUE(seen["tmp_name"].is_string());
    EXPECT_FALSE(std::filesystem::exists(seen["tmp_name"].get<std::string>()))
        << "the uploaded tmp file outlived the request";
}

// A body that is generated as PHP reads it: nothing holds it whole.
class GeneratedBody final : public php::BodySource {
public:
    explicit GeneratedBody(std::size_t size) : remaining_(size) {}
    std::size_t read(std::span<char> buffer) noexcept override {
        const std::size_t n = std::min(buffer.size(), remaining_);
        for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>('a' + (sent_ + i) % 26);
        sent_ += n;
        remaining_ -= n;
        ++reads;
        largest_read = std::max(largest_read, n);
        return n;
    }
    std::size_t reads = 0;
    std::size_t largest_read = 0;

private:
    std::size_t remaining_;
    std::size_t sent_ = 0;
};

TEST(Request, LargeBodyIsReadInChunks) {
    constexpr std::size_t kSize = 100u << 20; // 100 MiB
    CapturedResponse out;
    GeneratedBody body(kSize);
    auto job = fixture_job("body_digest.php", out);
    job.method = "PUT";
    job.content_type = "application/octet-stream";
    job.content_length = kSize;
    job.body = &body;
    auto result = single_thread_pool().execute(job);
    ASSERT_EQ(result.outcome, php::Outcome::ok) << out.body;
    EXPECT_EQ(out.body.substr(0, out.body.find(' ')), std::to_string(kSize));
    EXPECT_GT(body.reads, 100u);
    EXPECT_LE(body.largest_read, 1u << 20) << "PHP asked for the body in one huge piece";
}

TEST(Request, ErrorLogGoesToTheServerLogTaggedWithTheRequest) {
    auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
    auto logger = spdlog::default_logger();
    logger->sinks().push_back(ring);
    CapturedResponse out;
    auto job = fixture_job("error_log.php", out);
    job.method = "GET";
    auto result = pool().execute(job);
    logger->sinks().pop_back();
    ASSERT_EQ(result.outcome, php::Outcome::ok);
    bool found = false;
    for (const auto& line : ring->last_formatted()) {
        if (line.find("a message from the script") != std::string::npos &&
            line.find("GET /error_log.php") != std::string::npos) {
            found = true;
        }
    }
    EXPECT_TRUE(found) << "error_log() did not reach the server log with the request";
}

} // namespace
} // namespace ephpm::testing
