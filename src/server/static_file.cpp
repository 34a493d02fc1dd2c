#include "server/static_file.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>

#include <cerrno>

#include "server/http_date.hpp"
#include "server/mime.hpp"

namespace ephpm::server {
namespace {

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

    boost::beast::error_code ec;
    http::file_body::value_type body;
    body.open(file.c_str(), boost::beast::file_mode::scan, ec);
    if (ec) {
        // The router saw a regular file; it vanished or is unreadable since.
        const bool gone = ec == boost::beast::errc::no_such_file_or_directory;
        return error_response(gone ? 404 : 403, options);
    }
    // fstat the open file, so size and mtime describe what we send.
    struct stat st {};
    if (::fstat(body.file().native_handle(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return error_response(403, options);
    }
    const std::string etag =
        weak_etag(static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    const std::string last_modified = format_http_date(st.st_mtim.tv_sec);
    const auto content_type = content_type_for(file.filename().native());

    if (not_modified(request, etag, st.st_mtim.tv_sec)) {
        http::response<http::empty_body> response{http::status::not_modified, options.version};
        response.set(http::field::etag, etag);
        response.set(http::field::last_modified, last_modified);
        response.set(http::field::date, http_date_now());
        response.keep_alive(options.keep_alive);
        return response;
    }

    auto set_fields = [&](auto& response) {
        response.set(http::field::content_type, content_type);
        response.set(http::field::etag, etag);
        response.set(http::field::last_modified, last_modified);
        response.set(http::field::date, http_date_now());
        response.content_length(static_cast<std::uint64_t>(st.st_size));
        response.keep_alive(options.keep_alive);
    };
    if (options.head) {
        http::response<http::empty_body> response{http::status::ok, options.version};
        set_fields(response);
        return response;
    }
    http::response<http::file_body> response{std::piecewise_construct,
                                             std::make_tuple(std::move(body)),
                                             std::make_tuple(http::status::ok, options.version)};
    set_fields(response);
    return response;
}

} // namespace ephpm::server
