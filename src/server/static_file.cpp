#include "server/static_file.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/basic_file_body.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <cerrno>

#include "server/byte_range.hpp"
#include "server/http_date.hpp"
#include "server/mime.hpp"

namespace ephpm::server {
namespace {

namespace beast = boost::beast;

// A beast::file that reports a byte range's length as its size. Beast 1.81's
// basic_file_body sends size() bytes from the file's current position and
// offers no other way to limit them, so seeking to the first byte and
// shrinking size() makes it stream exactly the range, 4 KiB at a time.
class FileSlice {
public:
    [[nodiscard]] bool is_open() const { return file_.is_open(); }
    void close(beast::error_code& ec) { file_.close(ec); }
    void open(const char* path, beast::file_mode mode, beast::error_code& ec) {
        file_.open(path, mode, ec);
        if (!ec) length_ = file_.size(ec);
    }
    std::uint64_t size(beast::error_code& ec) const {
        ec = {};
        return length_;
    }
    std::uint64_t pos(beast::error_code& ec) const { return file_.pos(ec); }
    void seek(std::uint64_t offset, beast::error_code& ec) { file_.seek(offset, ec); }
    std::size_t read(void* buffer, std::size_t n, beast::error_code& ec) const {
        return file_.read(buffer, n, ec);
    }
    std::size_t write(const void* buffer, std::size_t n, beast::error_code& ec) {
        return file_.write(buffer, n, ec);
    }

    [[nodiscard]] int native_handle() const { return file_.native_handle(); }
    // Narrows what is sent to [first, first + length).
    void restrict_to(std::uint64_t first, std::uint64_t length, beast::error_code& ec) {
        file_.seek(first, ec);
        length_ = length;
    }

private:
    beast::file file_;
    std::uint64_t length_ = 0;
};

using SliceBody = http::basic_file_body<FileSlice>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view strip_weak(std::string_view tag) {
    return tag.starts_with("W/") ? tag.substr(2) : tag;
}

bool not_modified(const Request& request, std::string_view etag, std::time_t mtime) {
    // If-None-Match wins over If-Modified-Since when both are present.
    if (auto inm = request.find(http::field::if_none_match); inm != request.end()) {
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

http::message_generator serve_static_file(const Request& request, const std::filesystem::path& file,
                                          const ReplyOptions& options) {
    const auto method = request.method();
    if (method != http::verb::get && method != http::verb::head) {
        http::response<http::string_body> response{http::status::method_not_allowed,
                                                   options.version};
        response.set(http::field::allow, "GET, HEAD");
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        response.body() = "405 Method Not Allowed\n";
        return finish(std::move(response), options);
    }

    beast::error_code ec;
    FileSlice slice;
    slice.open(file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
        // The router saw a regular file; it vanished or is unreadable since.
        const bool gone = ec == beast::errc::no_such_file_or_directory;
        return error_response(gone ? 404 : 403, options);
    }
    // fstat the open file, so size and mtime describe what we send.
    struct stat st {};
    if (::fstat(slice.native_handle(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return error_response(403, options);
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::string etag = weak_etag(size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    const std::string last_modified = format_http_date(st.st_mtim.tv_sec);
    const auto content_type = content_type_for(file.filename().native());

    // Conditional GET comes first: a cached copy needs no bytes at all.
    if (not_modified(request, etag, st.st_mtim.tv_sec)) {
        http::response<http::empty_body> response{http::status::not_modified, options.version};
        response.set(http::field::etag, etag);
        response.set(http::field::last_modified, last_modified);
        response.set(http::field::date, http_date_now());
        response.keep_alive(options.keep_alive);
        return response;
    }

    ByteRange range;
    if (auto header = request.find(http::field::range); header != request.end()) {
        // A failed If-Range means "my partial copy is stale": send it all.
        auto if_range = request.find(http::field::if_range);
        if (if_range == request.end() ||
            if_range_matches(if_range->value(), etag, st.st_mtim.tv_sec)) {
            range = parse_byte_range(header->value(), size);
        }
    }

    if (range.kind == RangeKind::unsatisfiable) {
        http::response<http::string_body> response{http::status::range_not_satisfiable,
                                                   options.version};
        response.set(http::field::accept_ranges, "bytes");
        response.set(http::field::content_range, fmt::format("bytes */{}", size));
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        response.body() = "416 Range Not Satisfiable\n";
        return finish(std::move(response), options);
    }

    const bool partial = range.kind == RangeKind::satisfiable;
    const std::uint64_t length = partial ? range.length() : size;
    const auto status = partial ? http::status::partial_content : http::status::ok;
    auto set_fields = [&](auto& response) {
        response.set(http::field::content_type, content_type);
        response.set(http::field::accept_ranges, "bytes");
        response.set(http::field::etag, etag);
        response.set(http::field::last_modified, last_modified);
        response.set(http::field::date, http_date_now());
        if (partial) {
            response.set(http::field::content_range,
                         fmt::format("bytes {}-{}/{}", range.first, range.last, size));
        }
        response.content_length(length);
        response.keep_alive(options.keep_alive);
    };
    if (options.head) {
        http::response<http::empty_body> response{status, options.version};
        set_fields(response);
        return response;
    }
    // Also for a 200: the body then sends exactly the fstat size that
    // Content-Length announced.
    slice.restrict_to(partial ? range.first : 0, length, ec);
    if (ec) return error_response(500, options);
    SliceBody::value_type body;
    body.reset(std::move(slice), ec);
    if (ec) return error_response(500, options);
    http::response<SliceBody> response{std::piecewise_construct, std::make_tuple(std::move(body)),
                                       std::make_tuple(status, options.version)};
    set_fields(response);
    return response;
}

} // namespace ephpm::server
