// Telling HTTP/2's connection preface from HTTP/1.1 by the first bytes.

#include <gtest/gtest.h>

#include "server/protocol_sniff.hpp"

namespace ephpm::server {
namespace {

TEST(ProtocolSniff, FullPrefaceIsHttp2) {
    EXPECT_EQ(classify_preface(kHttp2Preface), Protocol::http2);
    EXPECT_EQ(classify_preface(std::string(kHttp2Preface) + std::string("\0\0\x12\x04", 4)),
              Protocol::http2);
}

TEST(ProtocolSniff, PrefixOfThePrefaceIsUndecided) {
    EXPECT_EQ(classify_preface(""), Protocol::undecided);
    EXPECT_EQ(classify_preface("PRI * HTTP/2.0\r\n"), Protocol::undecided);
    EXPECT_EQ(classify_preface(kHttp2Preface.substr(0, kHttp2Preface.size() - 1)),
              Protocol::undecided);
}

TEST(ProtocolSniff, AnythingElseIsHttp1) {
    EXPECT_EQ(classify_preface("GET / HTTP/1.1\r\n"), Protocol::http1);
    EXPECT_EQ(classify_preface("P"), Protocol::undecided);
    EXPECT_EQ(classify_preface("POST"), Protocol::http1);
    EXPECT_EQ(classify_preface("PRI * HTTP/2.0\r\n\r\nXX"), Protocol::http1);
}

} // namespace
} // namespace ephpm::server
