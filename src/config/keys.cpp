#include "config/keys.hpp"

#include "config/fallback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

namespace ephpm::config::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
// More io threads than this is a typo, not a machine.
constexpr std::int64_t kMaxIoThreads = 1024;

Check problem(std::string message) { return Problem{std::move(message), nullptr, {}}; }

// Paths are stored absolute: a relative one means "relative to the layer's
// base directory", which only the layer knows. Existence is checked once all
// layers are applied, so a lower layer may name a path a higher one replaces.
Check read_path(const toml::node& node, const fs::path& base_dir, std::string& out) {
    std::string text;
    if (auto bad = read_string(node, text)) return bad;
    if (text.empty()) return problem("must not be empty");
    if (text.find('\0') != std::string::npos) return problem("must not contain a NUL character");
    const fs::path path(text);
    out = path.is_absolute() ? path.string() : (base_dir / path).string();
    return std::nullopt;
}

Check read_index_files(const toml::node& node, std::vector<std::string>& out) {
    const auto* array = node.as_array();
    if (array == nullptr) {
        return problem(
            fmt::format("expected an array of file names, got {}", type_phrase(node.type())));
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = (*array)[i];
        std::string name;
        Check bad = read_string(element, name);
        if (!bad && (name.empty() || name == "." || name == "..")) {
            bad = problem(fmt::format("expected a file name, got {}", toml_string(name)));
        }
        if (!bad && name.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
            bad = problem(
                fmt::format("must be a plain file name without '/', got {}", toml_string(name)));
        }
        if (bad) {
            bad->node = &element;
            bad->key_suffix = fmt::format("[{}]", i);
            return bad;
        }
        names.push_back(std::move(name));
    }
    out = std::move(names);
    return std::nullopt;
}

// Each pair becomes a "key=value" line of the INI text PHP parses, so a line
// break or NUL would smuggle in another directive, and '=' in a key would
// move the split.
Check read_ini_overrides(const toml::node& node,
                         std::vector<std::pair<std::string, std::string>>& out) {
    constexpr std::string_view kShape = "[\"key\", \"value\"]";
    const auto* array = node.as_array();
    if (array == nullptr) {
        return problem(
            fmt::format("expected an array of {} pairs, got {}", kShape, type_phrase(node.type())));
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = (*array)[i];
        const auto* pair = element.as_array();
        if (pair == nullptr || pair->size() != 2) {
            const std::string got = pair == nullptr ? std::string(type_phrase(element.type()))
                                                    : fmt::format("an array of {}", pair->size());
            return Problem{fmt::format("expected a {} pair, got {}", kShape, got), &element,
                           fmt::format("[{}]", i)};
        }
        std::array<std::string, 2> texts;
        for (std::size_t k = 0; k < 2; ++k) {
            Check bad = read_string((*pair)[k], texts[k]);
            if (!bad &&
                texts[k].find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
                bad = problem("must not contain a line break or NUL character");
            }
            if (!bad && k == 0 && texts[k].empty()) bad = problem("the ini key must not be empty");
            if (!bad && k == 0 && texts[k].find('=') != std::string::npos) {
                bad = problem(
                    fmt::format("the ini key must not contain '=', got {}", toml_string(texts[k])));
            }
            if (bad) {
                bad->node = &(*pair)[k];
                bad->key_suffix = fmt::format("[{}][{}]", i, k);
                return bad;
            }
        }
        pairs.emplace_back(std::move(texts[0]), std::move(texts[1]));
    }
    out = std::move(pairs);
    return std::nullopt;
}

std::string format_string_array(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i == 0 ? "" : ", ") + toml_string(values[i]);
    }
    return out + "]";
}

std::string format_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out = "[";
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        out += fmt::format("{}[{}, {}]", i == 0 ? "" : ", ", toml_string(pairs[i].first),
                           toml_string(pairs[i].second));
    }
    return out + "]";
}

// Becomes a response header value: a line break would split the header
// (response splitting), and other control bytes are invalid in a field.
Check read_header_value(const toml::node& node, std::string& out) {
    std::string text;
    if (auto bad = read_string(node, text)) return bad;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
            return problem(
                fmt::format("must not contain a line break, NUL or other control character, got {}",
                            toml_string(text)));
        }
    }
    out = std::move(text);
    return std::nullopt;
}

// "stdout", "off", or a file path (stored absolute, like other paths).
Check read_access_log(const toml::node& node, const fs::path& base_dir, std::string& out) {
    std::string text;
    if (auto bad = read_string(node, text)) return bad;
    if (text == "stdout" || text == "off") {
        out = std::move(text);
        return std::nullopt;
    }
    return read_path(node, base_dir, out);
}

constexpr std::string_view hidden_files_name(HiddenFiles policy) {
    switch (policy) {
        case HiddenFiles::deny:
            return "deny";
        case HiddenFiles::ignore:
            return "ignore";
        case HiddenFiles::allow:
            return "allow";
    }
    return "deny";
}

// Keys of one table must be contiguous and a table's own keys must come
// before its sub-tables: to_toml() prints them in this order.
constexpr std::array<KeySpec, 24> kKeys = {{
    {"server.listen", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         std::string listen;
         if (auto bad = read_string(value, listen)) return bad;
         if (auto bad = check_listen(listen)) return bad;
         config.server.listen = std::move(listen);
         return std::nullopt;
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.server.listen);
     }},
    {"server.document_root", ValueKind::kString,
     [](const toml::node& value, const fs::path& base_dir, Config& config) -> Check {
         return read_path(value, base_dir, config.server.document_root);
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.server.document_root);
     }},
    {"server.index_files", ValueKind::kArray,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_index_files(value, config.server.index_files);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_string_array(config.server.index_files);
     }},
    {"server.fallback", ValueKind::kArray,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_fallback(value, config.server.fallback);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_string_array(config.server.fallback);
     }},
    {"server.io_threads", ValueKind::kInteger,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_int(value, 0, kMaxIoThreads, config.server.io_threads);
     },
     [](const Config& config) -> std::optional<std::string> {
         return std::to_string(config.server.io_threads);
     }},
    {"server.request.max_body_size", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_size(value, config.server.request.max_body_size);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_size(config.server.request.max_body_size);
     }},
    {"server.request.max_header_size", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_size(value, config.server.request.max_header_size);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_size(config.server.request.max_header_size);
     }},
    {"server.timeouts.header_read", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_duration(value, false, config.server.timeouts.header_read);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_duration(config.server.timeouts.header_read);
     }},
    {"server.timeouts.body", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_duration(value, false, config.server.timeouts.body);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_duration(config.server.timeouts.body);
     }},
    {"server.timeouts.idle", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_duration(value, false, config.server.timeouts.idle);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_duration(config.server.timeouts.idle);
     }},
    {"server.timeouts.request", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_duration(value, true, config.server.timeouts.request);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_duration(config.server.timeouts.request);
     }},
    {"server.timeouts.shutdown", ValueKind::kIntegerOrString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_duration(value, false, config.server.timeouts.shutdown);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_duration(config.server.timeouts.shutdown);
     }},
    {"server.static.cache_control", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_header_value(value, config.server.static_files.cache_control);
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.server.static_files.cache_control);
     }},
    {"server.static.hidden_files", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         std::string name;
         if (auto bad = read_choice(value, {"deny", "ignore", "allow"}, name)) return bad;
         for (HiddenFiles policy : {HiddenFiles::deny, HiddenFiles::ignore, HiddenFiles::allow}) {
             if (hidden_files_name(policy) == name)
                 config.server.static_files.hidden_files = policy;
         }
         return std::nullopt;
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(hidden_files_name(config.server.static_files.hidden_files));
     }},
    {"server.static.etag", ValueKind::kBoolean,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_bool(value, config.server.static_files.etag);
     },
     [](const Config& config) -> std::optional<std::string> {
         return config.server.static_files.etag ? "true" : "false";
     }},
    {"server.logging.level", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_log_level(value, config.logging.level);
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.logging.level);
     }},
    {"server.logging.access", ValueKind::kString,
     [](const toml::node& value, const fs::path& base_dir, Config& config) -> Check {
         return read_access_log(value, base_dir, config.logging.access);
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.logging.access);
     }},
    {"server.logging.access_format", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         std::string name;
         if (auto bad = read_choice(value, {"combined", "json"}, name)) return bad;
         config.logging.access_format =
             name == "json" ? AccessFormat::json : AccessFormat::combined;
         return std::nullopt;
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.logging.access_format == AccessFormat::json ? "json"
                                                                               : "combined");
     }},
    {"php.workers", ValueKind::kInteger,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_int(value, 0, kIntMax, config.php.workers);
     },
     [](const Config& config) -> std::optional<std::string> {
         return std::to_string(config.php.workers);
     }},
    {"php.memory_limit", ValueKind::kString,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         std::string limit;
         if (auto bad = read_string(value, limit)) return bad;
         if (auto bad = check_memory_limit(limit)) return bad;
         config.php.memory_limit = std::move(limit);
         return std::nullopt;
     },
     [](const Config& config) -> std::optional<std::string> {
         return toml_string(config.php.memory_limit);
     }},
    {"php.max_execution_time", ValueKind::kInteger,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_int(value, 0, kIntMax, config.php.max_execution_time);
     },
     [](const Config& config) -> std::optional<std::string> {
         return std::to_string(config.php.max_execution_time);
     }},
    {"php.ini_file", ValueKind::kString,
     [](const toml::node& value, const fs::path& base_dir, Config& config) -> Check {
         std::string path;
         if (auto bad = read_path(value, base_dir, path)) return bad;
         config.php.ini_file = std::move(path);
         return std::nullopt;
     },
     [](const Config& config) -> std::optional<std::string> {
         if (!config.php.ini_file) return std::nullopt;
         return toml_string(*config.php.ini_file);
     }},
    {"php.ini_overrides", ValueKind::kArray,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_ini_overrides(value, config.php.ini_overrides);
     },
     [](const Config& config) -> std::optional<std::string> {
         return format_pairs(config.php.ini_overrides);
     }},
    {"php.opcache_validate_timestamps", ValueKind::kBoolean,
     [](const toml::node& value, const fs::path&, Config& config) -> Check {
         return read_bool(value, config.php.opcache_validate_timestamps);
     },
     [](const Config& config) -> std::optional<std::string> {
         return config.php.opcache_validate_timestamps ? "true" : "false";
     }},
}};

// The table part of a dotted key: "server.logging.level" -> "server.logging".
std::string_view table_of(std::string_view key) {
    const std::size_t dot = key.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

} // namespace

std::span<const KeySpec> config_keys() { return kKeys; }

const KeySpec* find_key(std::string_view name) {
    const auto* found = std::find_if(kKeys.begin(), kKeys.end(),
                                     [name](const KeySpec& key) { return key.name == name; });
    return found == kKeys.end() ? nullptr : found;
}

bool is_table(std::string_view name) {
    return std::any_of(kKeys.begin(), kKeys.end(), [name](const KeySpec& key) {
        for (std::string_view table = table_of(key.name); !table.empty(); table = table_of(table)) {
            if (table == name) return true;
        }
        return false;
    });
}

std::vector<std::string_view> table_members(std::string_view name) {
    std::vector<std::string_view> members;
    for (const KeySpec& key : kKeys) {
        std::string_view rest = key.name;
        if (!name.empty()) {
            if (rest.size() <= name.size() || rest.substr(0, name.size()) != name ||
                rest[name.size()] != '.') {
                continue;
            }
            rest.remove_prefix(name.size() + 1);
        }
        const std::string_view member = rest.substr(0, rest.find('.'));
        if (std::find(members.begin(), members.end(), member) == members.end()) {
            members.push_back(member);
        }
    }
    return members;
}

std::string environment_variable(std::string_view name) {
    std::string variable = "EPHPM_";
    for (char c : name) {
        if (c == '.') {
            variable += "__";
        } else {
            variable += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        }
    }
    return variable;
}

std::string_view kind_phrase(ValueKind kind) {
    switch (kind) {
        case ValueKind::kString:
            return "a string";
        case ValueKind::kInteger:
            return "an integer";
        case ValueKind::kBoolean:
            return "a boolean";
        case ValueKind::kArray:
            return "an array";
        case ValueKind::kIntegerOrString:
            return "an integer or a string";
    }
    return "a value";
}

} // namespace ephpm::config::detail
