#pragma once
// [server] fallback: the try_files chain the router walks for a path that
// names no script. Checked here so that a mistake stops the server at startup
// with the entry's position instead of misrouting requests later.

#include <string>
#include <vector>

#include "config/values.hpp"

namespace ephpm::config::detail {

// Every entry but the last: "$uri", "$uri/" or a path pattern starting with
// '/' or "$uri" ("$uri.html", "/offline.html"), with no query, no "." or
// ".." segment and no variable but $uri. The last: "=CODE" (400..599) or a
// URI starting with '/' or "$uri" that may use $uri, $query_string, $args
// and $is_args.
Check read_fallback(const toml::node& node, std::vector<std::string>& out);

} // namespace ephpm::config::detail
