#pragma once
// Checks for single configuration values, independent of where they came
// from. Each returns the reason a value is wrong, or nothing when it is fine;
// the caller adds the source location and the key.

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
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

// A byte count > 0: an integer, or a string as memory_limit spells sizes
// ("16K", "8M", "1G", "1048576"; K/M/G are powers of 1024, any letter case).
Check read_size(const toml::node& node, std::uint64_t& out);
// The shortest spelling read_size() reads back: "8M", "1536K", "1000".
std::string format_size(std::uint64_t bytes);

// A duration: a string of digits and a unit ("500ms", "30s", "2m", "1h"), or
// an integer number of seconds. 0 only when `allow_zero`; at most 7 days.
Check read_duration(const toml::node& node, bool allow_zero, std::chrono::milliseconds& out);
// The largest unit that divides the value evenly: "1m", "90s", "1500ms".
std::string format_duration(std::chrono::milliseconds duration);

// One of `names` (exact spelling); the message lists them.
Check read_choice(const toml::node& node, std::initializer_list<std::string_view> names,
                  std::string& out);

// The log levels from most to least verbose.
inline constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
// Accepts any letter case and stores the canonical lower-case name.
Check read_log_level(const toml::node& node, std::string& out);
// `level` made `steps` steps more verbose, stopping at the most verbose.
std::string more_verbose(std::string_view level, int steps);

} // namespace ephpm::config::detail
