// The framing checks on their own: which Content-Length / Transfer-Encoding
// / Expect combinations a request may carry.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/framing.hpp"

namespace ephpm::server {
namespace {

using Fields = std::vector<std::pair<http::field, std::string>>;

http::fields make_fields(const Fields& list) {
    http::fields fields;
    for (const auto& [name, value] : list) fields.insert(name, value);
    return fields;
}

struct FramingCase {
    const char* name;
    Fields fields;
    std::optional<http::status> expected;
};

constexpr auto kCl = http::field::content_length;
constexpr auto kTe = http::field::transfer_encoding;
constexpr auto kBad = http::status::bad_request;
constexpr auto kUnknown = http::status::not_implemented;

TEST(Framing, Table) {
    const std::vector<FramingCase> cases = {
        {"no body", {}, std::nullopt},
        {"length", {{kCl, "5"}}, std::nullopt},
        {"zero length", {{kCl, "0"}}, std::nullopt},
        {"chunked", {{kTe, "chunked"}}, std::nullopt},
        {"chunked any case", {{kTe, "Chunked"}}, std::nullopt},
        {"chunked with empty members", {{kTe, " , chunked ,"}}, std::nullopt},
        {"both", {{kCl, "5"}, {kTe, "chunked"}}, kBad},
        {"both, coding first", {{kTe, "gzip"}, {kCl, "5"}}, kBad},
        {"two equal lengths", {{kCl, "5"}, {kCl, "5"}}, kBad},
        {"two different lengths", {{kCl, "5"}, {kCl, "6"}}, kBad},
        {"length list", {{kCl, "5, 5"}}, kBad},
        {"plus sign", {{kCl, "+5"}}, kBad},
        {"minus sign", {{kCl, "-1"}}, kBad},
        {"two numbers", {{kCl, "5 5"}}, kBad},
        {"empty length", {{kCl, ""}}, kBad},
        {"letters", {{kCl, "abc"}}, kBad},
        {"hex", {{kCl, "0x10"}}, kBad},
        {"gzip", {{kTe, "gzip"}}, kUnknown},
        {"identity", {{kTe, "identity"}}, kUnknown},
        {"xchunked", {{kTe, "xchunked"}}, kUnknown},
        {"chunked not last", {{kTe, "chunked, gzip"}}, kUnknown},
        {"gzip then chunked", {{kTe, "gzip, chunked"}}, kUnknown},
        {"chunked twice", {{kTe, "chunked, chunked"}}, kBad},
        {"chunked in two fields", {{kTe, "chunked"}, {kTe, "chunked"}}, kBad},
        {"gzip and chunked in two fields", {{kTe, "gzip"}, {kTe, "chunked"}}, kUnknown},
        {"empty coding", {{kTe, ""}}, kBad},
        {"only commas", {{kTe, " , "}}, kBad},
        {"parameter", {{kTe, "chunked;a=b"}}, kBad},
        {"not a token", {{kTe, "chunked\"x\""}}, kBad},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(check_message_framing(make_fields(c.fields)), c.expected) << c.name;
    }
}

TEST(Framing, Expectations) {
    constexpr auto kExpect = http::field::expect;
    constexpr auto kFailed = http::status::expectation_failed;
    const std::vector<FramingCase> cases = {
        {"none", {}, std::nullopt},
        {"continue", {{kExpect, "100-continue"}}, std::nullopt},
        {"continue any case", {{kExpect, "100-Continue"}}, std::nullopt},
        {"empty", {{kExpect, ""}}, std::nullopt},
        {"unknown", {{kExpect, "something"}}, kFailed},
        {"continue and unknown", {{kExpect, "100-continue, something"}}, kFailed},
        {"unknown in a second field", {{kExpect, "100-continue"}, {kExpect, "x"}}, kFailed},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(check_expectation(make_fields(c.fields)), c.expected) << c.name;
    }
    EXPECT_TRUE(expects_continue(make_fields({{kExpect, "100-continue"}})));
    EXPECT_TRUE(expects_continue(make_fields({{kExpect, " 100-CONTINUE "}})));
    EXPECT_FALSE(expects_continue(make_fields({})));
    EXPECT_FALSE(expects_continue(make_fields({{kExpect, "something"}})));
}

} // namespace
} // namespace ephpm::server
