#pragma once
// Serves one regular file the router chose: GET and HEAD only, Content-Type
// from the extension, Last-Modified and a weak ETag (size + mtime), 304 for a
// matching If-None-Match (or, without one, If-Modified-Since), and a single
// byte Range (206/416, honouring If-Range) after that; see byte_range.hpp for
// what is ignored. Every response advertises Accept-Ranges: bytes.
//
// The body is Beast's basic_file_body over a file narrowed to the range. Note
// that on POSIX Beast reads the file through a 4 KiB buffer rather than
// sendfile(2) (its zero-copy path is Windows-only); a sendfile writer is a
// later optimisation.

#include <filesystem>

#include "server/http_types.hpp"
#include "server/responses.hpp"

namespace ephpm::server {

http::message_generator serve_static_file(const Request& request, const std::filesystem::path& file,
                                          const ReplyOptions& options);

// W/"<size hex>-<mtime seconds hex>.<nanoseconds hex>"
std::string weak_etag(std::uint64_t size, std::int64_t mtime_sec, long mtime_nsec);

// Whether an If-None-Match value ("*", or a list of tags) matches `etag`,
// using the weak comparison RFC 9110 prescribes for it.
bool if_none_match_matches(std::string_view header, std::string_view etag);

} // namespace ephpm::server
