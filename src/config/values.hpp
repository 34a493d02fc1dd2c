#pragma once
// Checks for single configuration values, independent of where they came
// from. Each returns the reason a value is wrong, or nothing when it is fine;
// the caller adds the source location and the key.

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ephpm::config::detail {

// What is wrong with a value. `node` points at a more precise spot than the
// key's value (an array element) and `key_suffix` names it ("[1]").
struct Problem {
    std::string message;
    const toml::node* node = nullptr;
    std::string key_suffix;
};

using Check = std::optional<Problem>;

// "a string", "an integer", ... for "expected X, got Y" messages.
std::string_view type_phrase(toml::node_type type);

// `text` as a TOML basic string: quoted, control characters escaped. Also used
// to show values in messages.
std::string toml_string(std::string_view text);

Check read_string(const toml::node& node, std::string& out);
Check read_bool(const toml::node& node, bool& out);
// An integer within [min, max].
Check read_int(const toml::node& node, std::int64_t min, std::int64_t max, int& out);

// host:port or [v6address]:port; the host may be a name resolved at startup.
Check check_listen(std::string_view listen);
// A decimal port 1..65535 (also used for $PORT), stored in `*value` if given.
Check check_port(std::string_view port, int* value = nullptr);
// "128M", "1G", "512K", "1048576" or "-1", as php.ini's memory_limit.
Check check_memory_limit(std::string_view limit);

// The log levels from most to least verbose.
inline constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
// Accepts any letter case and stores the canonical lower-case name.
Check read_log_level(const toml::node& node, std::string& out);
// `level` made `steps` steps more verbose, stopping at the most verbose.
std::string more_verbose(std::string_view level, int steps);

} // namespace ephpm::config::detail
