#include "server/router.hpp"

#include <array>
#include <cerrno>
#include <system_error>

#include "server/uri.hpp"

namespace ephpm::server {
namespace {

class SystemFileProbe final : public FileProbe {
public:
    [[nodiscard]] FileKind kind(const std::filesystem::path& path) const noexcept override {
        std::error_code ec;
        auto status = std::filesystem::status(path, ec);
        if (ec) {
            const int code = ec.value();
            bool absent = status.type() == std::filesystem::file_type::not_found ||
                          code == ENOENT || code == ENOTDIR || code == ENAMETOOLONG;
            return absent ? FileKind::missing : FileKind::other; // e.g. EACCES, ELOOP
        }
        switch (status.type()) {
            case std::filesystem::file_type::regular:
                return FileKind::regular;
            case std::filesystem::file_type::directory:
                return FileKind::directory;
            case std::filesystem::file_type::not_found:
                return FileKind::missing;
            default:
                return FileKind::other;
        }
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

Route php_script(const std::filesystem::path& file, std::string script_name,
                 std::string path_info) {
    Route r;
    r.kind = RouteKind::php_script;
    r.file = file;
    r.script_name = std::move(script_name);
    r.path_info = std::move(path_info);
    return r;
}

Route static_file(const std::filesystem::path& file, std::string_view name) {
    if (is_php_source_name(name)) return error(403);
    Route r;
    r.kind = RouteKind::static_file;
    r.file = file;
    return r;
}

std::filesystem::path under_root(const Site& site, const std::vector<std::string>& segments,
                                 std::size_t count) {
    std::filesystem::path path = site.document_root;
    for (std::size_t i = 0; i < count; ++i) path /= segments[i];
    return path;
}

// Rule 5 with the trailing slash: index_files in order.
Route directory_index(const Site& site, const std::filesystem::path& dir,
                      const DecodedPath& decoded, const FileProbe& probe) {
    const std::string dir_path = join_path(decoded.segments, 0, decoded.segments.size(), true);
    for (const std::string& index : site.index_files) {
        // The loader should refuse such names; never let one escape the dir.
        if (index.empty() || index.front() == '.' || index.find('/') != std::string::npos) {
            continue;
        }
        const std::filesystem::path candidate = dir / index;
        if (probe.kind(candidate) != FileKind::regular) continue;
        if (ends_with_php(index)) return php_script(candidate, dir_path + index, "");
        if (is_php_source_name(index)) continue;
        return static_file(candidate, index);
    }
    return error(403);
}

// Rule 6.
Route fallback(const Site& site, const FileProbe& probe) {
    const std::filesystem::path front = site.document_root / "index.php";
    if (probe.kind(front) == FileKind::regular) return php_script(front, "/index.php", "");
    return error(404);
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

Route route(std::string_view target, const Site& site, const FileProbe& probe) {
    const SplitTarget split = split_target(target);
    if (!split.valid) return error(400);
    const DecodedPath decoded = decode_path(split.path);
    if (decoded.error_status != 0) return error(decoded.error_status);
    const auto& segments = decoded.segments;

    // Rule 2.
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].front() == '.' && !(i == 0 && segments[i] == ".well-known")) {
            return error(403);
        }
    }

    // Rule 3.
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!ends_with_php(segments[i])) continue;
        const std::filesystem::path script = under_root(site, segments, i + 1);
        if (probe.kind(script) != FileKind::regular) continue;
        const bool last = i + 1 == segments.size();
        std::string path_info =
            last ? (decoded.trailing_slash ? "/" : "")
                 : join_path(segments, i + 1, segments.size(), decoded.trailing_slash);
        return php_script(script, join_path(segments, 0, i + 1, false), std::move(path_info));
    }

    // Rules 4 and 5.
    const std::filesystem::path full = under_root(site, segments, segments.size());
    switch (probe.kind(full)) {
        case FileKind::regular:
            if (decoded.trailing_slash) return fallback(site, probe); // "/file.txt/"
            return static_file(full, segments.back());
        case FileKind::directory:
            if (!decoded.trailing_slash) {
                Route r;
                r.kind = RouteKind::redirect;
                r.status = 301;
                r.location = encode_path(join_path(segments, 0, segments.size(), true));
                if (!split.query.empty()) r.location.append("?").append(split.query);
                return r;
            }
            return directory_index(site, full, decoded, probe);
        case FileKind::other:
            return error(403);
        case FileKind::missing:
            break;
    }
    return fallback(site, probe);
}

} // namespace ephpm::server
