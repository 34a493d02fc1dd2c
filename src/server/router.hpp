#pragma once
// Decides what a request target means for the site: a static file, a PHP
// script (with SCRIPT_NAME and PATH_INFO), a redirect or an error status.
// Pure: the only outside knowledge is what kind of file a path names, asked
// through FileProbe, so tests can run it against any tree.
//
// Rules, in order:
//  1. The target is split, percent-decoded and normalised (server/uri.hpp);
//     anything odd there is 400 and the path can never leave document_root.
//  2. A segment starting with '.' (dotfile or dot-dir) follows hidden_files:
//     deny -> 403, ignore -> 404 at once (no fallback, like nginx's
//     `location ~ /\. { return 404; }`), allow -> routed like any other. The
//     first segment ".well-known" (ACME, security.txt) is always allowed;
//     dot segments below it follow the policy.
//  3. The first segment ending exactly in ".php" that names a regular file is
//     the script; the rest of the path is PATH_INFO ("/index.php/a/b"). This
//     comes before the fallback chain, as nginx's separate `\.php$` location.
//  4. The fallback chain (nginx's try_files), entry by entry: "$uri" is the
//     path, "$uri/" the path as a directory, and any other entry but the last
//     a pattern in which $uri is replaced ("$uri.html", "/offline.html"). A
//     candidate ending in '/' must be a directory, otherwise a regular file:
//      - a regular file is served statically, unless its extension is
//        PHP-ish in any letter case (.php, .PHP, .phtml, .phar, .phps,
//        .php3-8, .inc): those are 403, except that a name ending exactly in
//        ".php" runs as a script. So "X.PHP" neither runs nor leaks its source;
//      - a directory that is the request's own path without its trailing
//        slash redirects (301) to it with one; otherwise its index_files are
//        tried in order (a ".php" index executes); without one it is 403;
//      - a path that exists but is neither (or cannot be read) is 403.
//     The last entry is "=CODE" (that status) or a URI the request is
//     rewritten to internally: $uri (encoded), $query_string / $args and
//     $is_args ("?" or "") substituted. The rewritten target is routed by
//     rules 1-3 and then once as itself (file, directory), never through the
//     chain again: missing -> 404. Route::rewritten_query carries its query
//     (QUERY_STRING); REQUEST_URI stays the original request's.
//  The default chain ["$uri", "$uri/", "/index.php?$query_string"] sends
//  anything missing to /index.php, or 404 when there is none.
//
// Symlinks inside document_root are followed, like nginx's default: whoever
// can create them already controls the site. The guarantee here is that the
// URL alone can never name a path outside document_root.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ephpm/config/config.hpp"
#include "server/file_stamp.hpp"

namespace ephpm::server {

enum class FileKind { missing, regular, directory, other };

class FileProbe {
public:
    virtual ~FileProbe() = default;
    // Follows symlinks. "missing" also covers ENOTDIR ("/file.txt/x").
    [[nodiscard]] virtual FileKind kind(const std::string& path) const noexcept = 0;
    // kind(), and the file's stamp when the probe has one: the static file
    // cache checks its copy against the router's own stat(2), so a cached
    // file costs no further system call.
    [[nodiscard]] virtual FileKind inspect(const std::string& path,
                                           FileStamp& /*stamp*/) const noexcept {
        return kind(path);
    }
};

// The real file system (stat(2)).
const FileProbe& system_file_probe() noexcept;

enum class RouteKind { static_file, php_script, redirect, error };

struct Route {
    RouteKind kind = RouteKind::error;
    int status = 0;          // error: 400, 403, 404 or a fallback "=CODE"; redirect: 301
    std::string file;        // static_file and php_script: absolute path
    FileStamp stamp;         // static_file: what the probe saw of it
    std::string script_name; // php_script: "/index.php" (decoded)
    std::string path_info;   // php_script: "/a/b" (decoded), "" when none
    std::string location;    // redirect: encoded path with '/', plus "?query"
    // Set when the fallback chain rewrote the request internally: the
    // rewritten URI's query, which becomes QUERY_STRING.
    std::optional<std::string> rewritten_query;
};

// The chain a default-constructed config has: ["$uri", "$uri/",
// "/index.php?$query_string"].
std::span<const std::string> default_fallback() noexcept;

struct Site {
    std::string document_root; // absolute, no trailing '/' (but "/" itself)
    std::span<const std::string> index_files;
    // Validated by the config loader; an entry the router cannot use is skipped.
    std::span<const std::string> fallback = default_fallback();
    config::HiddenFiles hidden_files = config::HiddenFiles::deny;
};

Route route(std::string_view target, const Site& site,
            const FileProbe& probe = system_file_probe());

// True for the extensions rule 4 refuses to serve as static files.
bool is_php_source_name(std::string_view file_name) noexcept;

} // namespace ephpm::server
