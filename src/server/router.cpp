#include "server/router.hpp"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include "server/uri.hpp"

namespace ephpm::server {
namespace {

class SystemFileProbe final : public FileProbe {
public:
    [[nodiscard]] FileKind kind(const std::string& path) const noexcept override {
        FileStamp ignored;
        return inspect(path, ignored);
    }

    [[nodiscard]] FileKind inspect(const std::string& path,
                                   FileStamp& stamp) const noexcept override {
        // stat(2) itself: std::filesystem::status would first copy the path
        // into a std::filesystem::path, split into components, per probe.
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            const bool absent = errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG;
            return absent ? FileKind::missing : FileKind::other; // e.g. EACCES, ELOOP
        }
        if (S_ISREG(st.st_mode)) {
            stamp = stamp_of(st);
            return FileKind::regular;
        }
        if (S_ISDIR(st.st_mode)) return FileKind::directory;
        return FileKind::other;
    }
};

bool ends_with_php(std::string_view name) noexcept {
    return name.size() > 4 && name.ends_with(".php");
}

Route error(int status) {
    Route r;
    r.kind = RouteKind::error;
    r.status = status;
    return r;
}

Route php_script(std::string file, std::string script_name, std::string path_info) {
    Route r;
    r.kind = RouteKind::php_script;
    r.file = std::move(file);
    r.script_name = std::move(script_name);
    r.path_info = std::move(path_info);
    return r;
}

Route static_file(std::string file, std::string_view name, const FileStamp& stamp) {
    if (is_php_source_name(name)) return error(403);
    Route r;
    r.kind = RouteKind::static_file;
    r.file = std::move(file);
    r.stamp = stamp;
    return r;
}

// `name` appended to the directory `path`, with one '/' between them (the
// document root "/" already ends with one).
void append_name(std::string& path, std::string_view name) {
    if (path.empty() || path.back() != '/') path += '/';
    path += name;
}

// The root and the first `count` segments, joined with '/'. Segments are
// decoded and normalised (no "", "." or ".."), so plain joining is exact.
std::string under_root(const Site& site, const std::vector<std::string>& segments,
                       std::size_t count) {
    std::size_t size = site.document_root.size();
    for (std::size_t i = 0; i < count; ++i) size += 1 + segments[i].size();
    std::string path;
    path.reserve(size);
    path += site.document_root;
    for (std::size_t i = 0; i < count; ++i) append_name(path, segments[i]);
    return path;
}

// A directory that matched with the trailing slash: index_files in order.
// `dir_path` is its URL path ("/docs/"), for SCRIPT_NAME.
Route directory_index(const Site& site, const std::string& dir, const std::string& dir_path,
                      const FileProbe& probe) {
    for (const std::string& index : site.index_files) {
        // The loader should refuse such names; never let one escape the dir.
        if (index.empty() || index.front() == '.' || index.find('/') != std::string::npos) {
            continue;
        }
        std::string candidate = dir;
        append_name(candidate, index);
        FileStamp stamp;
        if (probe.inspect(candidate, stamp) != FileKind::regular) continue;
        if (ends_with_php(index)) return php_script(std::move(candidate), dir_path + index, "");
        if (is_php_source_name(index)) continue;
        return static_file(std::move(candidate), index, stamp);
    }
    return error(403);
}

bool is_hidden(const std::vector<std::string>& segments) {
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].front() == '.' && !(i == 0 && segments[i] == ".well-known")) return true;
    }
    return false;
}

// A path the chain tries: segments under the root, and whether it must be a
// directory (it ended in '/').
struct Candidate {
    std::vector<std::string> segments;
    bool directory = false;
};

// What one path names, tried as a file or a directory. Nothing when it is
// not there in the wanted form, so the chain moves on.
std::optional<Route> try_path(const Site& site, const Candidate& candidate,
                              const DecodedPath& request, std::string_view query,
                              const FileProbe& probe) {
    const auto& segments = candidate.segments;
    std::string full = under_root(site, segments, segments.size());
    FileStamp stamp;
    switch (probe.inspect(full, stamp)) {
        case FileKind::regular: {
            if (candidate.directory || segments.empty()) return std::nullopt; // "/file.txt/"
            const std::string& name = segments.back();
            if (ends_with_php(name)) {
                return php_script(std::move(full), join_path(segments, 0, segments.size(), false),
                                  "");
            }
            return static_file(std::move(full), name, stamp);
        }
        case FileKind::directory: {
            if (!candidate.directory) return std::nullopt;
            if (segments == request.segments && !request.trailing_slash) {
                Route r;
                r.kind = RouteKind::redirect;
                r.status = 301;
                r.location = encode_path(join_path(segments, 0, segments.size(), true));
                if (!query.empty()) r.location.append("?").append(query);
                return r;
            }
            return directory_index(site, full, join_path(segments, 0, segments.size(), true),
                                   probe);
        }
        case FileKind::other:
            return error(403);
        case FileKind::missing:
            break;
    }
    return std::nullopt;
}

// A non-final chain entry with $uri (the decoded path, with its trailing
// slash) replaced, split into segments. Nothing for an entry that would
// leave the root.
std::optional<Candidate> candidate_for(std::string_view entry, const std::string& uri) {
    std::string path;
    for (std::size_t i = 0; i < entry.size(); ++i) {
        if (entry.compare(i, 4, "$uri") == 0) {
            path += uri;
            i += 3;
        } else {
            path += entry[i];
        }
    }
    if (path.empty() || path.front() != '/') return std::nullopt;
    Candidate candidate;
    candidate.directory = path.back() == '/';
    std::size_t begin = 1;
    while (begin <= path.size()) {
        std::size_t end = path.find('/', begin);
        if (end == std::string::npos) end = path.size();
        std::string segment = path.substr(begin, end - begin);
        if (segment == "." || segment == "..") return std::nullopt;
        if (!segment.empty()) candidate.segments.push_back(std::move(segment));
        begin = end + 1;
    }
    return candidate;
}

// The last chain entry as a URI: $uri, $query_string/$args, $is_args.
std::string rewrite_target(std::string_view entry, const DecodedPath& request,
                           std::string_view query) {
    const std::string uri = encode_path(
        join_path(request.segments, 0, request.segments.size(), request.trailing_slash));
    std::string out;
    for (std::size_t i = 0; i < entry.size(); ++i) {
        auto variable = [&](std::string_view name) {
            if (entry.compare(i, name.size(), name) != 0) return false;
            // "$uri" must not match the start of a longer name like "$urix".
            const std::size_t after = i + name.size();
            if (after < entry.size() &&
                ((entry[after] >= 'a' && entry[after] <= 'z') || entry[after] == '_')) {
                return false;
            }
            i = after - 1;
            return true;
        };
        if (entry[i] != '$') {
            out += entry[i];
        } else if (variable("$uri")) {
            out += uri;
        } else if (variable("$query_string") || variable("$args")) {
            out += query;
        } else if (variable("$is_args")) {
            out += query.empty() ? "" : "?";
        } else {
            out += entry[i];
        }
    }
    return out;
}

// "=404" -> 404; 0 when the entry is not a status.
int status_entry(std::string_view entry) {
    if (entry.size() != 4 || entry.front() != '=') return 0;
    int code = 0;
    for (char c : entry.substr(1)) {
        if (c < '0' || c > '9') return 0;
        code = code * 10 + (c - '0');
    }
    return code >= 100 && code <= 599 ? code : 0;
}

// Rules 2 and 3, then the path itself (a rewritten target) or the chain.
Route route_decoded(const DecodedPath& decoded, std::string_view query, const Site& site,
                    const FileProbe& probe, bool use_chain) {
    const auto& segments = decoded.segments;

    // Rule 2.
    if (is_hidden(segments)) {
        if (site.hidden_files == config::HiddenFiles::deny) return error(403);
        if (site.hidden_files == config::HiddenFiles::ignore) return error(404);
    }

    // Rule 3.
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!ends_with_php(segments[i])) continue;
        std::string script = under_root(site, segments, i + 1);
        if (probe.kind(script) != FileKind::regular) continue;
        const bool last = i + 1 == segments.size();
        std::string path_info =
            last ? (decoded.trailing_slash ? "/" : "")
                 : join_path(segments, i + 1, segments.size(), decoded.trailing_slash);
        return php_script(std::move(script), join_path(segments, 0, i + 1, false),
                          std::move(path_info));
    }

    const std::string uri = join_path(segments, 0, segments.size(), decoded.trailing_slash);
    if (!use_chain) {
        // A rewritten target: itself, as a file or (with '/') a directory.
        const Candidate self{segments, decoded.trailing_slash || segments.empty()};
        if (auto found = try_path(site, self, decoded, query, probe)) return std::move(*found);
        if (!self.directory) {
            // "/docs" rewritten: a directory still gets its redirect.
            if (auto found = try_path(site, Candidate{segments, true}, decoded, query, probe)) {
                return std::move(*found);
            }
        }
        return error(404);
    }

    // Rule 4.
    const auto chain = site.fallback;
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
        const auto candidate = candidate_for(chain[i], uri);
        if (!candidate) continue;
        if (auto found = try_path(site, *candidate, decoded, query, probe))
            return std::move(*found);
    }
    if (chain.empty()) return error(404);
    const std::string& last = chain.back();
    if (const int status = status_entry(last)) return error(status);

    const std::string target = rewrite_target(last, decoded, query);
    const SplitTarget split = split_target(target);
    if (!split.valid) return error(500); // the loader refuses such entries
    const DecodedPath rewritten = decode_path(split.path);
    if (rewritten.error_status != 0) return error(rewritten.error_status);
    Route r = route_decoded(rewritten, split.query, site, probe, false);
    r.rewritten_query = std::string(split.query);
    return r;
}

} // namespace

const FileProbe& system_file_probe() noexcept {
    static const SystemFileProbe probe;
    return probe;
}

bool is_php_source_name(std::string_view file_name) noexcept {
    std::size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return false;
    std::string_view ext = file_name.substr(dot + 1);
    if (ext.size() > 5) return false;
    std::array<char, 5> lower{};
    for (std::size_t i = 0; i < ext.size(); ++i) {
        char c = ext[i];
        lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    const std::string_view e(lower.data(), ext.size());
    return e == "php" || e == "phtml" || e == "phar" || e == "phps" || e == "inc" ||
           (e.size() == 4 && e.starts_with("php") && e[3] >= '3' && e[3] <= '8');
}

std::span<const std::string> default_fallback() noexcept {
    static const std::vector<std::string> chain = config::ServerSettings{}.fallback;
    return chain;
}

Route route(std::string_view target, const Site& site, const FileProbe& probe) {
    const SplitTarget split = split_target(target);
    if (!split.valid) return error(400);
    const DecodedPath decoded = decode_path(split.path);
    if (decoded.error_status != 0) return error(decoded.error_status);
    return route_decoded(decoded, split.query, site, probe, true);
}

} // namespace ephpm::server
