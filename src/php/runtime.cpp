#include "ephpm/php/runtime.hpp"

#include <array>
#include <atomic>
#include <stdexcept>

#include "php/bridge/bridge.h"
#include "php/host.hpp"
#include "platform/available_cpus.hpp"

namespace ephpm::php {
namespace {

std::atomic<bool> g_runtime_alive{false};

} // namespace

int default_worker_count() noexcept { return 2 * platform::available_cpus(); }

namespace {

constexpr std::string_view kDebianMysqlSocket = "/run/mysqld/mysqld.sock";

void append_ini(std::string& ini, std::string_view key, std::string_view value) {
    ini.append(key).append("=").append(value).append("\n");
}

} // namespace

std::string build_ini_defaults() {
    std::string ini;
    // Production defaults: errors go to the log, never to the client. A
    // php.ini may change them.
    append_ini(ini, "display_errors", "0");
    append_ini(ini, "display_startup_errors", "0");
    append_ini(ini, "log_errors", "1");
    append_ini(ini, "html_errors", "0");
    // As php.ini-production: a web request has no argv (PHP would otherwise
    // build $_SERVER['argv'] from the query string).
    append_ini(ini, "register_argc_argv", "0");
    append_ini(ini, "opcache.enable", "1");
    append_ini(ini, "opcache.enable_cli", "0");
    // libphp is built without --with-mysql-sock, so "localhost" would mean
    // /tmp/mysql.sock; Debian's MySQL and MariaDB listen on this socket (the
    // path Debian's own PHP packages are built with).
    append_ini(ini, "mysqli.default_socket", kDebianMysqlSocket);
    append_ini(ini, "pdo_mysql.default_socket", kDebianMysqlSocket);
    // Debian's PHP looks in /usr/share/php, where Debian keeps the libraries
    // its packaged applications share (php-composer-ca-bundle, php-symfony-*,
    // ...); libphp is built --without-pear, which would leave ".:".
    append_ini(ini, "include_path", ".:/usr/share/php");
    return ini;
}

std::string build_ini_entries(const PhpSettings& settings) {
    std::string ini;
    append_ini(ini, "memory_limit", settings.memory_limit);
    append_ini(ini, "max_execution_time", std::to_string(settings.max_execution_time));
    append_ini(ini, "opcache.validate_timestamps",
               settings.opcache_validate_timestamps ? "1" : "0");
    for (const auto& [key, value] : settings.ini_overrides) append_ini(ini, key, value);
    return ini;
}

Runtime::Runtime(const PhpSettings& settings, int expected_threads) {
    if (g_runtime_alive.exchange(true)) {
        throw std::logic_error("the PHP runtime can be started once per process");
    }
    const std::string defaults = build_ini_defaults();
    const std::string entries = build_ini_entries(settings);
    ephpm_engine_options options{};
    options.ini_defaults = defaults.c_str();
    options.ini_entries = entries.c_str();
    options.ini_path = settings.ini_file ? settings.ini_file->c_str() : nullptr;
    options.expected_threads = expected_threads;
    std::array<char, 256> error{};
    if (ephpm_engine_startup(&options, error.data(), error.size()) != 0) {
        g_runtime_alive = false;
        throw std::runtime_error(std::string("PHP engine startup failed: ") + error.data());
    }
}

Runtime::~Runtime() {
    ephpm_engine_shutdown();
    g_runtime_alive = false;
}

EngineInfo Runtime::info() const {
    EngineInfo info;
    info.php_version = ephpm_php_version();
    info.zts = ephpm_php_is_zts() != 0;
    ephpm_list_extensions(
        [](void* ctx, const char* name, int is_zend_extension) {
            auto* out = static_cast<EngineInfo*>(ctx);
            (is_zend_extension ? out->zend_extensions : out->extensions).emplace_back(name);
        },
        &info);
    return info;
}

ScriptResult Runtime::execute(const ScriptJob& job, bool* thread_tainted) const {
    HostRequest host(job);
    ephpm_result raw{};
    ephpm_execute(&host.c_request(), &raw);
    if (thread_tainted != nullptr) *thread_tainted = raw.thread_tainted != 0;

    ScriptResult result;
    result.status = host.status();
    result.headers_sent = host.headers_sent();
    result.exit_status = raw.exit_status;
    result.discard_output = raw.discard_output != 0;
    switch (raw.outcome) {
        case EPHPM_OUTCOME_OK:
            result.outcome = Outcome::ok;
            break;
        case EPHPM_OUTCOME_FATAL:
            result.outcome = Outcome::fatal;
            break;
        case EPHPM_OUTCOME_TIMEOUT:
            result.outcome = Outcome::timeout;
            break;
        case EPHPM_OUTCOME_MEMORY:
            result.outcome = Outcome::memory;
            break;
        case EPHPM_OUTCOME_ABORTED:
            result.outcome = Outcome::aborted;
            break;
        case EPHPM_OUTCOME_NOT_FOUND:
            result.outcome = Outcome::not_found;
            break;
        case EPHPM_OUTCOME_STARTUP_FAILED:
            result.outcome = Outcome::startup_failed;
            break;
    }
    return result;
}

ThreadScope::ThreadScope() { ephpm_thread_attach(); }

ThreadScope::~ThreadScope() { ephpm_thread_detach(); }

void ThreadScope::renew() {
    ephpm_thread_detach();
    ephpm_thread_attach();
}

} // namespace ephpm::php
