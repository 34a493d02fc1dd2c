#pragma once
// Range and If-Range for static files (RFC 9110 §14, §13.1.5), as pure
// functions so every corner of the grammar is unit-testable.
//
// Only a single range is served. A request for several ranges gets the whole
// representation with 200, which RFC 9110 §14.2 allows ("a server MAY ignore
// the Range header field"); multipart/byteranges is not worth its complexity
// for what browsers and download tools actually send.

#include <cstdint>
#include <ctime>
#include <string_view>

namespace ephpm::server {

enum class RangeKind {
    none,          // no usable Range: absent, invalid, or several ranges -> 200
    satisfiable,   // serve [first, last] with 206
    unsatisfiable, // valid but outside the representation -> 416
};

struct ByteRange {
    RangeKind kind = RangeKind::none;
    std::uint64_t first = 0; // inclusive; meaningful only when satisfiable
    std::uint64_t last = 0;  // inclusive, already clamped to size - 1

    [[nodiscard]] std::uint64_t length() const { return last - first + 1; }
    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Interprets a Range field value against a representation of `size` bytes:
// "bytes=a-b", "bytes=a-" and "bytes=-n". Anything syntactically wrong
// (another unit, garbage, a > b) yields none, because RFC 9110 tells
// recipients to ignore an invalid Range rather than fail the request.
ByteRange parse_byte_range(std::string_view header, std::uint64_t size);

// Whether an If-Range value lets the Range apply. An entity-tag must match
// `etag` by strong comparison, so a weak tag on either side never matches;
// a date must equal `last_modified` exactly. Anything unparsable fails, which
// makes the server fall back to the full, safe 200.
bool if_range_matches(std::string_view header, std::string_view etag, std::time_t last_modified);

} // namespace ephpm::server
