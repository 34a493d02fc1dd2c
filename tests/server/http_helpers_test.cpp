// The small pure pieces of static file serving: dates and ETags.

#include <gtest/gtest.h>

#include "server/http_date.hpp"
#include "server/static_file.hpp"

namespace ephpm::server {
namespace {

TEST(HttpDate, FormatsImfFixdate) {
    EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(format_http_date(1700000000), "Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST(HttpDate, ParsesWhatItFormats) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    const std::time_t now = std::time(nullptr);
    EXPECT_EQ(parse_http_date(format_http_date(now)), now);
    EXPECT_EQ(http_date_now().size(), 29u);
}

TEST(HttpDate, RejectsOtherForms) {
    EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date(""));
}

TEST(ETag, IsWeakAndChangesWithSizeAndTime) {
    const std::string tag = weak_etag(10, 1000, 5);
    EXPECT_EQ(tag.rfind("W/\"", 0), 0u);
    EXPECT_NE(tag, weak_etag(11, 1000, 5));
    EXPECT_NE(tag, weak_etag(10, 1001, 5));
    EXPECT_NE(tag, weak_etag(10, 1000, 6));
}

TEST(ETag, IfNoneMatchUsesWeakComparison) {
    const std::string tag = weak_etag(10, 1000, 0);
    const std::string strong = tag.substr(2);
    EXPECT_TRUE(if_none_match_matches(tag, tag));
    EXPECT_TRUE(if_none_match_matches(strong, tag));
    EXPECT_TRUE(if_none_match_matches("\"other\", " + tag, tag));
    EXPECT_TRUE(if_none_match_matches("*", tag));
    EXPECT_FALSE(if_none_match_matches("\"other\"", tag));
    EXPECT_FALSE(if_none_match_matches("", tag));
}

} // namespace
} // namespace ephpm::server
