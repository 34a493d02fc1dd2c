#pragma once
// HTTP/2 frames as raw bytes, for tests that must send what a well-behaved
// client library will not (a header block left open) or read the frames
// that come back.

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ephpm::testing {

// The types of the frames in `bytes` (9-byte frame headers, payloads skipped).
inline std::vector<int> frame_types(std::string_view bytes) {
    std::vector<int> types;
    while (bytes.size() >= 9) {
        const std::size_t length = (static_cast<std::uint8_t>(bytes[0]) << 16) |
                                   (static_cast<std::uint8_t>(bytes[1]) << 8) |
                                   static_cast<std::uint8_t>(bytes[2]);
        types.push_back(static_cast<std::uint8_t>(bytes[3]));
        if (bytes.size() < 9 + length) break;
        bytes.remove_prefix(9 + length);
    }
    return types;
}

// The client preface and an empty SETTINGS frame.
inline std::string preface() {
    return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" +
           std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
}

// A HEADERS frame on stream `id` whose block is :method (0x82 GET, 0x83
// POST), :scheme http and :path / from HPACK's static table, and
// :authority localhost as a literal (nghttp2 wants :authority or Host).
inline std::string headers_frame(char id, char method, bool end_headers) {
    const char flags = end_headers ? '\x04' : '\x00'; // never END_STREAM
    return std::string("\x00\x00\x0e\x01", 4) + flags + std::string("\x00\x00\x00", 3) + id +
           method + "\x86\x84\x01\x09localhost";
}

// Whether `received` holds a frame of `type` (NGHTTP2_GOAWAY, ...).
inline bool has_frame(int type, std::string_view received) {
    const auto types = frame_types(received);
    return std::find(types.begin(), types.end(), type) != types.end();
}

} // namespace ephpm::testing
