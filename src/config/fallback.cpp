#include "config/fallback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace ephpm::config::detail {
namespace {

constexpr std::array<std::string_view, 4> kRewriteVariables = {"$uri", "$query_string", "$args",
                                                               "$is_args"};

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

// The reason `entry` is not usable, or an empty string. `last` selects the
// rules for the final entry.
std::string entry_problem(std::string_view entry, bool last) {
    if (entry.empty()) return "must not be empty";
    for (char c : entry) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) return "must not contain control characters";
        if (c == '\\') return "must not contain '\\'";
        if (c == '#') return "must not contain '#'";
    }
    if (entry.front() == '=') {
        if (!last) return "a status (\"=404\") may only be the last entry";
        const std::string_view code = entry.substr(1);
        const bool digits = code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) {
                                return c >= '0' && c <= '9';
                            });
        if (!digits || code < "400" || code > "599") {
            return "a status must be \"=\" and a code 400..599, e.g. \"=404\"";
        }
        return {};
    }
    if (entry.front() != '/' && !entry.starts_with("$uri")) {
        return last ? "the last entry must be a URI starting with '/' or \"$uri\", or a status "
                      "such as \"=404\""
                    : "must start with '/' or \"$uri\"";
    }

    // Variables: only the known names, and in a file entry only $uri.
    std::string path; // the entry with each variable replaced by "x"
    for (std::size_t i = 0; i < entry.size(); ++i) {
        if (entry[i] != '$') {
            path += entry[i];
            continue;
        }
        std::size_t end = i + 1;
        while (end < entry.size() && is_name_char(entry[end])) ++end;
        const std::string_view name = entry.substr(i, end - i);
        const bool known = last ? std::find(kRewriteVariables.begin(), kRewriteVariables.end(),
                                            name) != kRewriteVariables.end()
                                : name == "$uri";
        if (!known) {
            return last ? fmt::format(
                              "unknown variable {} (the last entry may use $uri, "
                              "$query_string, $args and $is_args)",
                              toml_string(name))
                        : fmt::format("unknown variable {} (file entries may use only $uri)",
                                      toml_string(name));
        }
        path += 'x';
        i = end - 1;
    }

    const std::size_t question = path.find('?');
    if (!last && question != std::string::npos) {
        return "only the last entry may have a query ('?')";
    }
    const std::string_view path_part = std::string_view(path).substr(0, question);
    std::size_t begin = 0;
    while (begin <= path_part.size()) {
        std::size_t slash = path_part.find('/', begin);
        if (slash == std::string_view::npos) slash = path_part.size();
        const std::string_view segment = path_part.substr(begin, slash - begin);
        if (segment == "." || segment == "..") return "must not contain a \".\" or \"..\" segment";
        begin = slash + 1;
    }
    // The rewritten URI is decoded like a request target: refuse escapes the
    // router would answer with 400.
    for (std::size_t i = 0; last && i < path_part.size(); ++i) {
        if (path_part[i] != '%') continue;
        if (i + 2 >= path_part.size() || !is_hex(path_part[i + 1]) || !is_hex(path_part[i + 2])) {
            return "has a '%' not followed by two hex digits";
        }
        const std::string_view escape = path_part.substr(i + 1, 2);
        if (escape == "2f" || escape == "2F" || escape == "5c" || escape == "5C" ||
            escape[0] == '0' || escape[0] == '1' || escape == "7f" || escape == "7F") {
            return "must not encode '/', '\\' or a control character in its path";
        }
    }
    return {};
}

} // namespace

Check read_fallback(const toml::node& node, std::vector<std::string>& out) {
    const auto* array = node.as_array();
    if (array == nullptr) {
        return Problem{fmt::format("expected an array of strings such as [\"$uri\", \"$uri/\", "
                                   "\"/index.php?$query_string\"], got {}",
                                   type_phrase(node.type())),
                       nullptr,
                       {}};
    }
    if (array->empty()) {
        return Problem{"must not be empty (end it with \"=404\" for no fallback)", nullptr, {}};
    }
    std::vector<std::string> entries;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = (*array)[i];
        std::string entry;
        Check bad = read_string(element, entry);
        if (!bad) {
            const std::string reason = entry_problem(entry, i + 1 == array->size());
            if (!reason.empty()) {
                bad = Problem{fmt::format("{}, got {}", reason, toml_string(entry)), nullptr, {}};
            }
        }
        if (bad) {
            bad->node = &element;
            bad->key_suffix = fmt::format("[{}]", i);
            return bad;
        }
        entries.push_back(std::move(entry));
    }
    out = std::move(entries);
    return std::nullopt;
}

} // namespace ephpm::config::detail
