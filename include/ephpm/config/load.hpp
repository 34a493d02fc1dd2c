#pragma once
// Builds the effective Config: defaults < ephpm.toml < EPHPM_* environment <
// command line flags. Every mistake is a ConfigError whose message names the
// source (file:line:column, or the environment variable or flag) and the key.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "ephpm/config/config.hpp"

namespace ephpm::config {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the command line says; unset members leave lower layers alone.
struct CommandLine {
    std::optional<std::string> config_path;
    std::optional<std::string> listen;
    std::optional<std::string> document_root;
    int verbosity = 0; // each -v lowers the log level one step
};

using Environment = std::map<std::string, std::string>;

// The process environment as an Environment.
Environment current_environment();

// Throws ConfigError.
Config load(const CommandLine& command_line, const Environment& environment);

// The effective configuration as TOML (what `ephpm --check-config` prints).
std::string to_toml(const Config& config);

} // namespace ephpm::config
