#pragma once
// Decides what a request target means for the site: a static file, a PHP
// script (with SCRIPT_NAME and PATH_INFO), a redirect or an error status.
// Pure: the only outside knowledge is what kind of file a path names, asked
// through FileProbe, so tests can run it against any tree.
//
// Rules, in order:
//  1. The target is split, percent-decoded and normalised (server/uri.hpp);
//     anything odd there is 400 and the path can never leave document_root.
//  2. A segment starting with '.' (dotfile or dot-dir) is 403, except the
//     first segment ".well-known" (ACME, security.txt); dot segments below it
//     are still 403.
//  3. The first segment ending exactly in ".php" that names a regular file is
//     the script; the rest of the path is PATH_INFO ("/index.php/a/b").
//  4. Otherwise the path is looked up: a regular file is served statically,
//     unless its extension is PHP-ish in any letter case (.php, .PHP, .phtml,
//     .phar, .phps, .php3-8, .inc): those are 403. Only exactly ".php"
//     executes, so "X.PHP" neither runs nor leaks its source.
//  5. A directory without the trailing slash redirects (301) to it with one;
//     with it, index_files are tried in order (a ".php" index executes);
//     without a usable index it is 403.
//  6. Anything missing falls back to /index.php (try_files $uri $uri/
//     /index.php), keeping the original REQUEST_URI and query; without
//     document_root/index.php it is 404.
//
// Symlinks inside document_root are followed, like nginx's default: whoever
// can create them already controls the site. The guarantee here is that the
// URL alone can never name a path outside document_root.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ephpm::server {

enum class FileKind { missing, regular, directory, other };

class FileProbe {
public:
    virtual ~FileProbe() = default;
    // Follows symlinks. "missing" also covers ENOTDIR ("/file.txt/x").
    [[nodiscard]] virtual FileKind kind(const std::filesystem::path& path) const noexcept = 0;
};

// The real file system (std::filesystem::status).
const FileProbe& system_file_probe() noexcept;

enum class RouteKind { static_file, php_script, redirect, error };

struct Route {
    RouteKind kind = RouteKind::error;
    int status = 0;             // error: 400, 403 or 404; redirect: 301
    std::filesystem::path file; // static_file and php_script: absolute path
    std::string script_name;    // php_script: "/index.php" (decoded)
    std::string path_info;      // php_script: "/a/b" (decoded), "" when none
    std::string location;       // redirect: encoded path with '/', plus "?query"
};

struct Site {
    std::filesystem::path document_root; // absolute
    std::span<const std::string> index_files;
};

Route route(std::string_view target, const Site& site,
            const FileProbe& probe = system_file_probe());

// True for the extensions rule 4 refuses to serve as static files.
bool is_php_source_name(std::string_view file_name) noexcept;

} // namespace ephpm::server
