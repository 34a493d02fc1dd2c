#pragma once
// The embedded PHP engine: started once per process, on the thread that will
// also stop it (normally main), after which pool threads may run scripts.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ephpm/php/script.hpp"

namespace ephpm::php {

// The [php] section of ephpm.toml.
struct PhpSettings {
    int workers = 0; // 0: 2 x the number of CPUs
    std::string memory_limit = "128M";
    int max_execution_time = 30; // seconds, 0 = unlimited
    std::optional<std::string> ini_file;
    std::vector<std::pair<std::string, std::string>> ini_overrides;
    bool opcache_validate_timestamps = true;
};

// The number of pool threads `workers = 0` stands for: two per CPU this
// process may use (its affinity, capped by a cgroup CPU quota), because
// PHP requests often wait on a database.
int default_worker_count() noexcept;

// ini precedence, lowest first: PHP's built-in defaults < ePHPm's server
// defaults (build_ini_defaults) < the php.ini file (ini_file) < the [php]
// settings and then ini_overrides (build_ini_entries; the last one wins).
std::string build_ini_defaults();
std::string build_ini_entries(const PhpSettings& settings);

struct EngineInfo {
    std::string php_version;
    bool zts = false;
    std::vector<std::string> extensions;      // modules, as get_loaded_extensions()
    std::vector<std::string> zend_extensions; // e.g. "Zend OPcache"
};

class Runtime {
public:
    // Starts PHP; throws std::runtime_error with PHP's reason on failure.
    // There can be one Runtime per process.
    explicit Runtime(const PhpSettings& settings, int expected_threads = 1);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    [[nodiscard]] EngineInfo info() const;

    // Runs one script on the calling thread, which must be attached (see
    // ThreadScope). Used by the pool; tests may use it directly.
    ScriptResult execute(const ScriptJob& job, bool* thread_tainted = nullptr) const;
};

// Gives the current thread its own PHP context for the scope's lifetime.
class ThreadScope {
public:
    ThreadScope();
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;
    // Drops the context and creates a fresh one (after a tainted request).
    void renew();
};

} // namespace ephpm::php
