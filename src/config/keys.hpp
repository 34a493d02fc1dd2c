#pragma once
// The one list of configuration keys. The loader (file, environment and
// command line), to_toml() and the documentation test all walk this table,
// so a key cannot be accepted without being printed and documented.

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/values.hpp"
#include "ephpm/config/config.hpp"

namespace ephpm::config::detail {

// The TOML type a key takes; environment values are parsed accordingly.
// kIntegerOrString (sizes, durations): a TOML integer or string, and from the
// environment also a bare string ("8M", "30s").
enum class ValueKind { kString, kInteger, kBoolean, kArray, kIntegerOrString };

struct KeySpec {
    std::string_view name; // dotted, as in the file: "server.logging.level"
    ValueKind kind;
    // Validates `value` and stores it in `config`. Relative paths are
    // resolved against `base_dir` (the layer decides what that is).
    Check (*apply)(const toml::node& value, const std::filesystem::path& base_dir, Config& config);
    // The value as TOML text, or nothing for an unset optional.
    std::optional<std::string> (*format)(const Config& config);
};

std::span<const KeySpec> config_keys();

// nullptr when `name` is not a key.
const KeySpec* find_key(std::string_view name);

// Whether `name` is a table that holds keys ("server", "server.logging").
bool is_table(std::string_view name);

// The names directly inside table `name` ("" is the root), for messages.
std::vector<std::string_view> table_members(std::string_view name);

// "server.logging.level" -> "EPHPM_SERVER__LOGGING__LEVEL".
std::string environment_variable(std::string_view name);

// "a string", "an integer", ... for "expected X" messages.
std::string_view kind_phrase(ValueKind kind);

} // namespace ephpm::config::detail
