// Range and If-Range parsing (RFC 9110 §14): a table of headers against
// representation sizes, including the forms that must be ignored.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "server/byte_range.hpp"
#include "server/http_date.hpp"
#include "server/static_file.hpp"

namespace ephpm::server {

// Outside the anonymous namespace so that gtest finds it by ADL.
[[maybe_unused]] static void PrintTo(const ByteRange& r, std::ostream* os) {
    constexpr const char* kKinds[] = {"none", "satisfiable", "unsatisfiable"};
    *os << kKinds[static_cast<int>(r.kind)] << " " << r.first << "-" << r.last;
}

namespace {

constexpr ByteRange kNone{};
constexpr ByteRange kUnsatisfiable{RangeKind::unsatisfiable, 0, 0};

constexpr ByteRange bytes(std::uint64_t first, std::uint64_t last) {
    return {RangeKind::satisfiable, first, last};
}

struct Case {
    std::string_view header;
    std::uint64_t size;
    ByteRange expected;
};

TEST(ByteRange, Table) {
    const Case cases[] = {
        // first-last, first-, and suffix.
        {"bytes=0-0", 1000, bytes(0, 0)},
        {"bytes=0-499", 1000, bytes(0, 499)},
        {"bytes=500-999", 1000, bytes(500, 999)},
        {"bytes=100-", 1000, bytes(100, 999)},
        {"bytes=0-", 1000, bytes(0, 999)},
        {"bytes=999-", 1000, bytes(999, 999)},
        {"bytes=-1", 1000, bytes(999, 999)},
        {"bytes=-500", 1000, bytes(500, 999)},
        // A last beyond the end, or a suffix longer than the file, is clamped.
        {"bytes=500-5000", 1000, bytes(500, 999)},
        {"bytes=0-999", 1000, bytes(0, 999)},
        {"bytes=0-1000", 1000, bytes(0, 999)},
        {"bytes=-5000", 1000, bytes(0, 999)},
        {"bytes=-1000", 1000, bytes(0, 999)},
        // Leading zeros are still decimal.
        {"bytes=007-0010", 1000, bytes(7, 10)},
        // The unit is case-insensitive; OWS around the field and list
        // elements is allowed, and empty list elements are skipped.
        {"Bytes=1-2", 1000, bytes(1, 2)},
        {"BYTES=1-2", 1000, bytes(1, 2)},
        {"  bytes=1-2  ", 1000, bytes(1, 2)},
        {"bytes= 1-2", 1000, bytes(1, 2)},
        {"bytes=1-2 ,", 1000, bytes(1, 2)},
        {"bytes=, ,1-2", 1000, bytes(1, 2)},
        // Unsatisfiable: start at or past the end, zero suffix, empty file.
        {"bytes=1000-", 1000, kUnsatisfiable},
        {"bytes=1000-2000", 1000, kUnsatisfiable},
        {"bytes=5000-6000", 1000, kUnsatisfiable},
        {"bytes=-0", 1000, kUnsatisfiable},
        {"bytes=0-", 0, kUnsatisfiable},
        {"bytes=0-0", 0, kUnsatisfiable},
        {"bytes=-1", 0, kUnsatisfiable},
        {"bytes=-0", 0, kUnsatisfiable},
        // Numbers past 2^64 saturate rather than wrap or turn invalid.
        {"bytes=99999999999999999999999-", 1000, kUnsatisfiable},
        {"bytes=18446744073709551615-", 1000, kUnsatisfiable},
        {"bytes=0-99999999999999999999999", 1000, bytes(0, 999)},
        {"bytes=-99999999999999999999999", 1000, bytes(0, 999)},
        {"bytes=99999999999999999998-99999999999999999999", 1000, kUnsatisfiable},
        {"bytes=99999999999999999999-99999999999999999998", 1000, kNone},
        {"bytes=18446744073709551616-5", 1000, kNone},
        // Invalid: ignored, so the full 200 is served.
        {"", 1000, kNone},
        {"bytes", 1000, kNone},
        {"bytes=", 1000, kNone},
        {"bytes=-", 1000, kNone},
        {"bytes=5-2", 1000, kNone},
        {"bytes=1000-999", 1000, kNone},
        {"bytes=a-b", 1000, kNone},
        {"bytes=1-b", 1000, kNone},
        {"bytes=a-", 1000, kNone},
        {"bytes=-b", 1000, kNone},
        {"bytes=1", 1000, kNone},
        {"bytes=1-2-3", 1000, kNone},
        {"bytes=--1", 1000, kNone},
        {"bytes=+1-2", 1000, kNone},
        {"bytes=1 -2", 1000, kNone},
        {"bytes=1- 2", 1000, kNone},
        {"bytes =1-2", 1000, kNone},
        {"bytes= ", 1000, kNone},
        {"items=0-1", 1000, kNone},
        {"bytesx=0-1", 1000, kNone},
        {"0-1", 1000, kNone},
        {"bytes=0x10-0x20", 1000, kNone},
        {"bytes=5-2", 0, kNone},
        // Several ranges: served whole with 200, by design.
        {"bytes=0-1,5-6", 1000, kNone},
        {"bytes=0-1, -5", 1000, kNone},
        {"bytes=0-1,2000-3000", 1000, kNone},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_byte_range(c.header, c.size), c.expected)
            << "\"" << c.header << "\" on " << c.size << " bytes";
    }
}

TEST(ByteRange, LengthCountsBothEnds) {
    EXPECT_EQ(bytes(0, 0).length(), 1u);
    EXPECT_EQ(bytes(500, 999).length(), 500u);
}

TEST(IfRange, DateMustEqualLastModifiedExactly) {
    const std::time_t modified = 784111777;
    const std::string date = format_http_date(modified);
    const std::string tag = weak_etag(10, modified, 0);
    EXPECT_TRUE(if_range_matches(date, tag, modified));
    EXPECT_TRUE(if_range_matches(" " + date + " ", tag, modified));
    EXPECT_FALSE(if_range_matches(format_http_date(modified - 1), tag, modified));
    EXPECT_FALSE(if_range_matches(format_http_date(modified + 1), tag, modified));
    EXPECT_FALSE(if_range_matches("Sunday, 06-Nov-94 08:49:37 GMT", tag, modified));
    EXPECT_FALSE(if_range_matches("garbage", tag, modified));
    EXPECT_FALSE(if_range_matches("", tag, modified));
}

TEST(IfRange, EntityTagsNeedStrongComparison) {
    const std::string weak = weak_etag(10, 1000, 0);
    const std::string strong = weak.substr(2);
    // Our own tags are weak, so no entity-tag ever satisfies If-Range.
    EXPECT_FALSE(if_range_matches(weak, weak, 1000));
    EXPECT_FALSE(if_range_matches(strong, weak, 1000));
    // Strong on both sides compares byte for byte.
    EXPECT_TRUE(if_range_matches(strong, strong, 1000));
    EXPECT_FALSE(if_range_matches("\"other\"", strong, 1000));
    EXPECT_FALSE(if_range_matches(weak, strong, 1000));
}

} // namespace
} // namespace ephpm::server
