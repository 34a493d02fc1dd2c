// Pure pieces of the response path: HTTP/1.x framing and head, absolute-form
// targets, request body spooling.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "server/absolute_form.hpp"
#include "server/http1_writer.hpp"
#include "server/request_body.hpp"

namespace ephpm::server {
namespace {

class NoStream final : public BodyStream {
public:
    Read read_some(std::span<char>) override { return {0, true, false}; }
    boost::asio::awaitable<void> readable() override { co_return; }
    void cancel() noexcept override {}
};

TEST(Http1Framing, ByBodyVersionAndStatus) {
    Response text;
    text.body = std::string("hi");
    EXPECT_EQ(framing_for(text, 11), Framing::content_length);
    Response stream;
    stream.body = std::shared_ptr<BodyStream>(std::make_shared<NoStream>());
    EXPECT_EQ(framing_for(stream, 11), Framing::chunked);
    EXPECT_EQ(framing_for(stream, 10), Framing::close_delimited);
    stream.head = true;
    EXPECT_EQ(framing_for(stream, 11), Framing::none);
    stream.content_length = 5;
    EXPECT_EQ(framing_for(stream, 11), Framing::content_length);
    Response not_modified;
    not_modified.status = 304;
    EXPECT_EQ(framing_for(not_modified, 11), Framing::none);
}

TEST(Http1Head, DropsFramingFieldsAndAddsOurOwn) {
    Response response;
    response.status = 201;
    response.fields.insert("X-A", "1");
    response.fields.insert("Content-Length", "999");
    response.fields.insert("Transfer-Encoding", "gzip");
    response.fields.insert("Date", "yesterday");
    response.body = std::string("hello");
    EXPECT_EQ(format_response_head(response, 11, Framing::content_length, false, "D"),
              "HTTP/1.1 201 Created\r\nX-A: 1\r\nDate: D\r\nContent-Length: 5\r\n\r\n");
    EXPECT_EQ(format_response_head(response, 10, Framing::content_length, false, "D"),
              "HTTP/1.0 201 Created\r\nX-A: 1\r\nDate: D\r\nContent-Length: 5\r\n"
              "Connection: keep-alive\r\n\r\n");
    EXPECT_EQ(format_response_head(response, 11, Framing::chunked, true, "D"),
              "HTTP/1.1 201 Created\r\nX-A: 1\r\nDate: D\r\nTransfer-Encoding: chunked\r\n"
              "Connection: close\r\n\r\n");
}

TEST(AbsoluteForm, ParsesHttpTargetsOnly) {
    auto form = parse_absolute_form("http://Example.test:81/a/b?c=d");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->authority, "Example.test:81");
    EXPECT_EQ(form->origin_form, "/a/b?c=d");
    form = parse_absolute_form("HTTPS://user@host?q");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->authority, "host");
    EXPECT_EQ(form->origin_form, "?q");
    EXPECT_FALSE(parse_absolute_form("/a/b"));
    EXPECT_FALSE(parse_absolute_form("ftp://host/"));
}

TEST(AbsoluteForm, RewritesTheRequest) {
    Request request{http::verb::get, "http://h.test?x=1", 11};
    request.set(http::field::host, "other");
    ASSERT_TRUE(adopt_absolute_form(request));
    EXPECT_EQ(sv(request.target()), "/?x=1");
    EXPECT_EQ(sv(request[http::field::host]), "h.test");
    Request empty{http::verb::get, "http:///path", 11};
    EXPECT_FALSE(adopt_absolute_form(empty));
}

std::string read_all(php::BodySource& source) {
    std::string out;
    std::array<char, 7000> buffer{};
    for (std::size_t n; (n = source.read(buffer)) > 0;) out.append(buffer.data(), n);
    return out;
}

TEST(RequestBody, SmallStaysInMemoryLargeSpools) {
    RequestBody small;
    ASSERT_TRUE(small.append("abc"));
    EXPECT_FALSE(small.spooled());
    EXPECT_EQ(read_all(*std::move(small).into_source()), "abc");

    RequestBody large;
    std::string expected;
    for (int i = 0; expected.size() <= kSpoolThreshold + 5000; ++i) {
        const std::string piece = std::to_string(i) + ",";
        ASSERT_TRUE(large.append(piece));
        expected += piece;
    }
    EXPECT_TRUE(large.spooled());
    EXPECT_EQ(large.size(), expected.size());
    EXPECT_TRUE(read_all(*std::move(large).into_source()) == expected);
}

} // namespace
} // namespace ephpm::server
