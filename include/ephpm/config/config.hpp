#pragma once
// The whole configuration as plain values with their defaults. Loading
// (file, EPHPM_* environment, CLI flags) lives in ephpm/config/load.hpp.

#include <string>
#include <vector>

#include "ephpm/php/runtime.hpp"

namespace ephpm::config {

struct ServerSettings {
    std::string listen = "127.0.0.1:8080"; // host:port, [v6]:port
    std::string document_root = ".";       // made absolute by the loader
    std::vector<std::string> index_files = {"index.php", "index.html"};
};

struct LoggingSettings {
    std::string level = "info"; // trace, debug, info, warn, error, off
};

struct Config {
    ServerSettings server;
    LoggingSettings logging;
    php::PhpSettings php;
};

} // namespace ephpm::config
