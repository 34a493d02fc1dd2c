// The application: logging, the HTTP server, the PHP runtime and pool.
//
// The server binds first, so a busy port fails fast, before PHP starts.
// Teardown is server, pool, runtime, all on this thread: the runtime must
// stop on the thread that started it.

#include "ephpm/app/run.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/runtime.hpp"
#include "ephpm/server/server.hpp"
#include "ephpm/version.hpp"
#include "platform/available_cpus.hpp"
#include "platform/service_notify.hpp"
#include "platform/temp_directory.hpp"

namespace ephpm::app {
namespace {

void configure_logging(const std::string& level) {
    // Plain stdout (no colours): the banner and logs are read by process
    // managers and by the end-to-end tests; the sink flushes every line.
    auto logger = std::make_shared<spdlog::logger>(
        "ephpm", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(std::move(logger));
}

// "stdout (combined)", "/var/log/ephpm/access.log (json)" or "off".
std::string access_log_text(const config::LoggingSettings& logging) {
    if (logging.access == "off") return "off";
    const char* format = logging.access_format == config::AccessFormat::json ? "json" : "combined";
    return logging.access + " (" + format + ")";
}

// systemd's Type=notify (and its protocol elsewhere); silent when the
// server is not supervised.
void notify(const std::string& state) {
    const auto outcome = platform::notify_service_manager(state);
    if (outcome.result == platform::NotifyResult::failed) {
        spdlog::warn("could not notify the service manager: {}", outcome.error);
    }
}

} // namespace

int run(const config::Config& config) {
    configure_logging(config.logging.level);

    std::unique_ptr<server::Server> server;
    try {
        server::ServerOptions options;
        options.on_stopping = [] { notify("STOPPING=1\nSTATUS=stopping"); };
        server = std::make_unique<server::Server>(config, std::move(options));
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }

    const int workers = config.php.workers > 0 ? config.php.workers : php::default_worker_count();
    php::Runtime runtime(config.php, workers);
    auto pool = std::make_unique<php::Pool>(runtime, php::PoolOptions{workers, 0});

    const auto info = runtime.info();
    // The CPU count says where the default thread counts come from; it
    // names an affinity mask or a cgroup quota when either lowers it.
    spdlog::info("ePHPm {} (PHP {}{}, {} worker threads, {} io threads, {})", kVersion,
                 info.php_version, info.zts ? " ZTS" : " NTS", pool->thread_count(),
                 server->io_thread_count(), platform::cpu_budget().describe());
    spdlog::info("document root: {}", config.server.document_root);
    spdlog::info("access log: {}", access_log_text(config.logging));
    // Said at startup, not at the first large upload: a container without
    // /tmp otherwise serves until the first request body over 1 MiB.
    if (const auto problem = platform::temp_directory_problem(platform::temp_directory())) {
        spdlog::warn(
            "no usable temporary directory ({}): request bodies over 1 MiB will get 500 and PHP "
            "uploads will fail; set TMPDIR to a writable directory",
            *problem);
    }
    spdlog::info("listening on {}", server->local_address());
    // Bound, listening and with PHP started: connections queue from here on.
    notify("READY=1\nSTATUS=listening on " + server->local_address());

    server->run(*pool);
    server.reset();
    pool.reset(); // finishes queued scripts, then detaches the PHP threads
    spdlog::info("stopped");
    return 0;
}

} // namespace ephpm::app
