#pragma once
// The request target as the router needs it: split into path and query,
// percent-decoded and normalised into segments that can never climb above
// the document root. Pure string work, no I/O.

#include <string>
#include <string_view>
#include <vector>

namespace ephpm::server {

struct SplitTarget {
    std::string_view path;  // raw (still percent-encoded), starts with '/' when valid
    std::string_view query; // raw, without '?'; empty when absent
    bool valid = false;     // false: not origin-form or absolute-form
};

// "/a/b?x=1" -> {"/a/b", "x=1"}; "http://host/a?x" (absolute-form, which
// HTTP/1.1 servers must accept) -> {"/a", "x"}; "*" or "a/b" -> invalid.
SplitTarget split_target(std::string_view target) noexcept;

struct DecodedPath {
    std::vector<std::string> segments; // decoded, no "", "." or ".."
    bool trailing_slash = false;       // the path names a directory ("/a/", "/a/.")
    int error_status = 0;              // 400 when the path is rejected
};

// Percent-decodes each segment and removes dot segments. Rejected with 400:
// a malformed %-escape, an encoded '/' (%2F) or '\' (%5C), any '\', NUL or
// other control byte, and ".." above the root (clients normalise dot
// segments before sending, so only an attack sends one that climbs out).
DecodedPath decode_path(std::string_view raw_path);

// "/" + segments joined by '/' (+ '/' when trailing_slash), unencoded: the
// form CGI wants for SCRIPT_NAME and PATH_INFO.
std::string join_path(const std::vector<std::string>& segments, std::size_t begin, std::size_t end,
                      bool trailing_slash);

// Percent-encodes a decoded path for a Location header (keeps '/' and the
// characters RFC 3986 allows unencoded in a path segment).
std::string encode_path(std::string_view decoded);

} // namespace ephpm::server
