// $_SERVER as a PHP application will see it, built without running PHP.

#include "server/cgi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "ephpm/version.hpp"

namespace ephpm::server {
namespace {

std::optional<std::string> var(const php::ScriptJob& job, const std::string& name) {
    std::optional<std::string> found;
    int count = 0;
    for (const auto& [key, value] : job.server_vars) {
        if (key == name) {
            found = value;
            ++count;
        }
    }
    EXPECT_LE(count, 1) << name << " appears more than once";
    return found;
}

class CgiTest : public ::testing::Test {
protected:
    CgiTest() {
        route_.kind = RouteKind::php_script;
        route_.file = "/srv/www/index.php";
        route_.script_name = "/index.php";
        connection_ = {"127.0.0.1", 8080, "10.0.0.7", 51234};
    }

    php::ScriptJob job(Request& request) const {
        return make_script_job(request, route_, connection_, "/srv/www");
    }

    Route route_;
    ConnectionInfo connection_;
};

TEST_F(CgiTest, RewrittenRequestKeepsRequestUriAndTakesTheRewrittenQuery) {
    Request request{http::verb::get, "/2024/03/my-post/?a=1", 11};
    route_.rewritten_query = "page=my-post&a=1";
    const auto j = job(request);
    EXPECT_EQ(var(j, "REQUEST_URI"), "/2024/03/my-post/?a=1");
    EXPECT_EQ(var(j, "QUERY_STRING"), "page=my-post&a=1");
    EXPECT_EQ(j.query_string, "page=my-post&a=1");
    EXPECT_EQ(var(j, "SCRIPT_NAME"), "/index.php");

    route_.rewritten_query = "";
    EXPECT_EQ(var(job(request), "QUERY_STRING"), "");
}

TEST_F(CgiTest, StandardVariables) {
    Request request{http::verb::get, "/index.php/a/b?x=1&y=2", 11};
    request.set(http::field::host, "example.com:8080");
    route_.path_info = "/a/b";
    const auto j = job(request);
    EXPECT_EQ(j.method, "GET");
    EXPECT_EQ(j.request_uri, "/index.php/a/b?x=1&y=2");
    EXPECT_EQ(j.query_string, "x=1&y=2");
    EXPECT_EQ(j.script_filename, "/srv/www/index.php");
    EXPECT_EQ(j.content_length, -1);
    EXPECT_EQ(var(j, "REQUEST_METHOD"), "GET");
    EXPECT_EQ(var(j, "REQUEST_URI"), "/index.php/a/b?x=1&y=2");
    EXPECT_EQ(var(j, "QUERY_STRING"), "x=1&y=2");
    EXPECT_EQ(var(j, "SCRIPT_FILENAME"), "/srv/www/index.php");
    EXPECT_EQ(var(j, "SCRIPT_NAME"), "/index.php");
    EXPECT_EQ(var(j, "PATH_INFO"), "/a/b");
    EXPECT_EQ(var(j, "PHP_SELF"), "/index.php/a/b");
    EXPECT_EQ(var(j, "DOCUMENT_ROOT"), "/srv/www");
    EXPECT_EQ(var(j, "SERVER_NAME"), "example.com");
    EXPECT_EQ(var(j, "SERVER_PORT"), "8080");
    EXPECT_EQ(var(j, "SERVER_ADDR"), "127.0.0.1");
    EXPECT_EQ(var(j, "SERVER_SOFTWARE"), std::string("ePHPm/") + kVersion);
    EXPECT_EQ(var(j, "SERVER_PROTOCOL"), "HTTP/1.1");
    EXPECT_EQ(var(j, "GATEWAY_INTERFACE"), "CGI/1.1");
    EXPECT_EQ(var(j, "REQUEST_SCHEME"), "http");
    EXPECT_EQ(var(j, "REMOTE_ADDR"), "10.0.0.7");
    EXPECT_EQ(var(j, "REMOTE_PORT"), "51234");
    EXPECT_EQ(var(j, "HTTP_HOST"), "example.com:8080");
    EXPECT_FALSE(var(j, "HTTPS"));
    EXPECT_FALSE(var(j, "CONTENT_TYPE"));
    EXPECT_FALSE(var(j, "CONTENT_LENGTH"));
}

TEST_F(CgiTest, NoPathInfoWhenEmpty) {
    Request request{http::verb::get, "/index.php", 10};
    const auto j = job(request);
    EXPECT_FALSE(var(j, "PATH_INFO"));
    EXPECT_EQ(var(j, "PHP_SELF"), "/index.php");
    EXPECT_EQ(var(j, "QUERY_STRING"), "");
    EXPECT_EQ(var(j, "SERVER_PROTOCOL"), "HTTP/1.0");
    // No Host header: the local address names the server.
    EXPECT_EQ(var(j, "SERVER_NAME"), "127.0.0.1");
}

TEST_F(CgiTest, HeadersBecomeHttpVariables) {
    Request request{http::verb::get, "/", 11};
    request.insert("X-Custom", "one");
    request.insert("x-custom", "two");
    request.insert("Accept", "text/html");
    request.insert("X_Forwarded_For", "6.6.6.6"); // underscore: dropped
    request.insert("Proxy", "http://evil:3128");  // httpoxy: dropped
    request.insert("Cookie", "a=1");
    request.insert("Cookie", "b=2");
    request.insert("Authorization", "Bearer abc");
    const auto j = job(request);
    EXPECT_EQ(var(j, "HTTP_X_CUSTOM"), "one, two");
    EXPECT_EQ(var(j, "HTTP_ACCEPT"), "text/html");
    EXPECT_FALSE(var(j, "HTTP_X_FORWARDED_FOR"));
    EXPECT_FALSE(var(j, "HTTP_PROXY"));
    EXPECT_EQ(var(j, "HTTP_COOKIE"), "a=1; b=2");
    EXPECT_EQ(j.cookie, "a=1; b=2");
    EXPECT_EQ(var(j, "HTTP_AUTHORIZATION"), "Bearer abc");
    EXPECT_EQ(j.authorization, "Bearer abc");
    for (const auto& [name, value] : j.server_vars) {
        EXPECT_EQ(name.find('-'), std::string::npos) << name;
    }
}

TEST_F(CgiTest, BodyMetadata) {
    Request request{http::verb::post, "/form.php", 11};
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    request.body() = "a=1&b=2";
    request.prepare_payload();
    const auto j = job(request);
    EXPECT_EQ(j.method, "POST");
    EXPECT_EQ(j.content_type, "application/x-www-form-urlencoded");
    EXPECT_EQ(j.content_length, 7);
    EXPECT_EQ(var(j, "CONTENT_TYPE"), "application/x-www-form-urlencoded");
    EXPECT_EQ(var(j, "CONTENT_LENGTH"), "7");
    EXPECT_FALSE(var(j, "HTTP_CONTENT_TYPE"));
    EXPECT_FALSE(var(j, "HTTP_CONTENT_LENGTH"));
}

TEST_F(CgiTest, AbsoluteFormTargetKeepsOriginFormUri) {
    Request request{http::verb::get, "http://example.com/index.php?q=1", 11};
    const auto j = job(request);
    EXPECT_EQ(j.request_uri, "/index.php?q=1");
    EXPECT_EQ(j.query_string, "q=1");
}

TEST_F(CgiTest, OddHostFallsBackToLocalAddress) {
    Request request{http::verb::get, "/", 11};
    request.set(http::field::host, "evil.com/<script>");
    EXPECT_EQ(var(job(request), "SERVER_NAME"), "127.0.0.1");
    request.set(http::field::host, "[::1]:8080");
    EXPECT_EQ(var(job(request), "SERVER_NAME"), "[::1]");
}

} // namespace
} // namespace ephpm::server
