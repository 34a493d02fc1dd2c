#pragma once
// Serves one regular file the router chose: GET and HEAD only, Content-Type
// from the extension, Last-Modified and a weak ETag (size + mtime), 304 for a
// matching If-None-Match (or, without one, If-Modified-Since), and a single
// byte Range (206/416, honouring If-Range) after that; see byte_range.hpp for
// what is ignored. Every response advertises Accept-Ranges: bytes.
//
// The body is a FileBody (the open file and the byte range), which HTTP/1.1
// sends with sendfile(2); a small file comes from the StaticFileCache when
// its copy still matches the router's stat, and is stored there otherwise.
// [server.static] adds Cache-Control when configured and can turn ETags off
// (then If-None-Match is ignored as well).

#include <cstdint>
#include <string>
#include <string_view>

#include "ephpm/config/config.hpp"
#include "server/http_types.hpp"
#include "server/response.hpp"
#include "server/responses.hpp"
#include "server/static_file_cache.hpp"

namespace ephpm::server {

// The file the router chose, as it saw it.
struct StaticTarget {
    const std::string& file;
    FileStamp stamp;                  // the router's stat of it
    StaticFileCache* cache = nullptr; // null: always read from disk
};

Response serve_static_file(const Request& request, const StaticTarget& target,
                           const ReplyOptions& options, const config::StaticSettings& settings);

// W/"<size hex>-<mtime seconds hex>.<nanoseconds hex>"
std::string weak_etag(std::uint64_t size, std::int64_t mtime_sec, long mtime_nsec);

// Whether an If-None-Match value ("*", or a list of tags) matches `etag`,
// using the weak comparison RFC 9110 prescribes for it.
bool if_none_match_matches(std::string_view header, std::string_view etag);

} // namespace ephpm::server
