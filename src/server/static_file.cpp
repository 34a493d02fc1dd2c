#include "server/static_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <boost/beast/core/file_posix.hpp>

#include <cerrno>

#include "server/byte_range.hpp"
#include "server/http_date.hpp"
#include "server/mime.hpp"
#include "server/read_exactly.hpp"

namespace ephpm::server {
namespace {

namespace beast = boost::beast;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view strip_weak(std::string_view tag) {
    return tag.starts_with("W/") ? tag.substr(2) : tag;
}

bool not_modified(const Request& request, std::string_view etag, std::time_t mtime) {
    // If-None-Match wins over If-Modified-Since when both are present (and
    // means nothing when ETags are off).
    if (auto inm = request.find(http::field::if_none_match); inm != request.end()) {
        if (etag.empty()) return false;
        return if_none_match_matches(inm->value(), etag);
    }
    if (auto ims = request.find(http::field::if_modified_since); ims != request.end()) {
        auto since = parse_http_date(ims->value());
        return since && mtime <= *since;
    }
    return false;
}

} // namespace

std::string weak_etag(std::uint64_t size, std::int64_t mtime_sec, long mtime_nsec) {
    return fmt::format("W/\"{:x}-{:x}.{:x}\"", size, mtime_sec, mtime_nsec);
}

bool if_none_match_matches(std::string_view header, std::string_view etag) {
    const std::string_view wanted = strip_weak(etag);
    while (!header.empty()) {
        std::size_t comma = header.find(',');
        std::string_view tag = trim(header.substr(0, comma));
        if (tag == "*" || (!tag.empty() && strip_weak(tag) == wanted)) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

Response serve_static_file(const Request& request, const StaticTarget& target,
                           const ReplyOptions& options, const config::StaticSettings& settings) {
    const auto method = request.method();
    if (method != http::verb::get && method != http::verb::head) {
        Response response = text_response(405, "405 Method Not Allowed\n");
        response.fields.set(http::field::allow, "GET, HEAD");
        return finish(std::move(response), options);
    }

    StaticFileCache* cache = target.cache;
    std::shared_ptr<const StaticFileCache::Entry> cached;
    if (cache != nullptr) cached = cache->find(target.file, target.stamp);

    beast::file_posix handle;
    FileStamp stamp;
    std::int64_t opened_after = 0;
    if (cached) {
        stamp = cached->stamp;
    } else {
        if (cache != nullptr) opened_after = StaticFileCache::now_ns();
        // open(2) itself: Beast's file_posix::open adds a posix_fadvise call
        // per file in every mode, and sendfile(2) reads ahead on its own.
        const int fd = ::open(target.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            // The router saw a regular file; it vanished or is unreadable since.
            return error_response(errno == ENOENT || errno == ENOTDIR ? 404 : 403, options);
        }
        handle.native_handle(fd); // owns and closes it from here
        // fstat the open file, so size and mtime describe what we send.
        struct stat st {};
        if (::fstat(handle.native_handle(), &st) != 0 || !S_ISREG(st.st_mode)) {
            return error_response(403, options);
        }
        stamp = stamp_of(st);
    }
    const std::uint64_t size = stamp.size;
    // Views into the copy's validators, or into these, formatted only when
    // there is no copy: a hit allocates no validator strings.
    std::string etag_text;
    std::string date_text;
    std::string_view etag;
    std::string_view last_modified;
    if (cached) {
        if (settings.etag) etag = cached->etag;
        last_modified = cached->last_modified;
    } else {
        if (settings.etag) etag = etag_text = weak_etag(size, stamp.mtime_sec, stamp.mtime_nsec);
        last_modified = date_text = format_http_date(stamp.mtime_sec);
    }
    const std::string_view file = target.file;
    const auto content_type = content_type_for(file.substr(file.rfind('/') + 1));

    Response response;
    auto set_validators = [&] {
        if (!etag.empty()) response.fields.set(http::field::etag, etag);
        response.fields.set(http::field::last_modified, last_modified);
        if (!settings.cache_control.empty())
            response.fields.set(http::field::cache_control, settings.cache_control);
    };

    // Conditional GET comes first: a cached copy needs no bytes at all.
    if (not_modified(request, etag, stamp.mtime_sec)) {
        response.status = 304;
        set_validators();
        return finish(std::move(response), options);
    }

    ByteRange range;
    if (auto header = request.find(http::field::range); header != request.end()) {
        // A failed If-Range means "my partial copy is stale": send it all.
        auto if_range = request.find(http::field::if_range);
        if (if_range == request.end() ||
            if_range_matches(if_range->value(), etag, stamp.mtime_sec)) {
            range = parse_byte_range(header->value(), size);
        }
    }

    if (range.kind == RangeKind::unsatisfiable) {
        Response refused = text_response(416, "416 Range Not Satisfiable\n");
        refused.fields.set(http::field::accept_ranges, "bytes");
        refused.fields.set(http::field::content_range, fmt::format("bytes */{}", size));
        return finish(std::move(refused), options);
    }

    const bool partial = range.kind == RangeKind::satisfiable;
    const std::uint64_t offset = partial ? range.first : 0;
    const std::uint64_t length = partial ? range.length() : size;
    response.status = partial ? 206 : 200;
    response.fields.set(http::field::content_type, content_type);
    response.fields.set(http::field::accept_ranges, "bytes");
    set_validators();
    if (partial) {
        response.fields.set(http::field::content_range,
                            fmt::format("bytes {}-{}/{}", range.first, range.last, size));
    }
    // Also for a 200: exactly the size that Content-Length announces.
    response.content_length = length;
    if (options.head) return finish(std::move(response), options);

    if (!cached && cache != nullptr && cache->wants(stamp, opened_after)) {
        auto entry = std::make_shared<StaticFileCache::Entry>();
        entry->stamp = stamp;
        entry->bytes.resize(static_cast<std::size_t>(size));
        // A file that shrank since fstat is not kept; the writer, which
        // reads it again, reports it.
        if (read_exactly(handle.native_handle(), 0, entry->bytes) == ReadOutcome::complete) {
            entry->etag =
                etag_text.empty() ? weak_etag(size, stamp.mtime_sec, stamp.mtime_nsec) : etag_text;
            entry->last_modified = date_text;
            cached = entry;
            cache->store(target.file, std::move(entry));
        }
    }
    if (cached) {
        response.body = cached->bytes.substr(static_cast<std::size_t>(offset),
                                             static_cast<std::size_t>(length));
    } else {
        FileBody body;
        body.file = std::move(handle);
        body.offset = offset;
        body.length = length;
        response.body = std::move(body);
    }
    return finish(std::move(response), options);
}

} // namespace ephpm::server
