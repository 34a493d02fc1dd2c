#include "app/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/service_command.hpp"
#include "ephpm/app/run.hpp"
#include "ephpm/app/version_info.hpp"
#include "ephpm/config/load.hpp"
#include "ephpm/php/runtime.hpp"
#include "ephpm/version.hpp"
#include "platform/name_services.hpp"

namespace ephpm::app {
namespace {

int print_version() {
    // Starting the engine is the only honest way to list what it contains.
    php::Runtime runtime(php::PhpSettings{});
    std::fputs(version_text(runtime.info()).c_str(), stdout);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    platform::confine_name_services_when_static();
    CLI::App cli{
        "ePHPm: a PHP application server in one binary (HTTP/1.1 and HTTP/2, static files, "
        "embedded ZTS PHP)",
        "ephpm"};
    cli.get_formatter()->column_width(30);
    config::CommandLine command_line;
    bool version = false;
    bool check_config = false;
    cli.add_flag("-V,--version", version, "Print the ephpm and PHP versions and the extensions");
    cli.add_option("-c,--config", command_line.config_path, "Configuration file (TOML)");
    cli.add_option("-l,--listen", command_line.listen, "Listen address, e.g. 127.0.0.1:8080");
    cli.add_option("-d,--document-root", command_line.document_root, "Document root directory");
    cli.add_flag("-v,--verbose", command_line.verbosity, "More log output (repeat for more)");
    cli.add_flag("--check-config", check_config,
                 "Validate the configuration, print the effective one, and exit");

    // ephpm service install|uninstall|status (app/service_command.hpp).
    ServiceOptions service;
    auto* service_cli = cli.add_subcommand("service", "Run ePHPm as a systemd service");
    service_cli->require_subcommand(1);
    service_cli->add_option("--root", service.root,
                            "Work under this directory instead of / (images, tests)");
    auto* install = service_cli->add_subcommand(
        "install",
        "Install the binary, the configuration and the systemd unit; enable and start it");
    install->add_option("-c,--config", service.config,
                        "Configuration to install as /etc/ephpm/ephpm.toml");
    install->add_option("--user", service.user, "User the service runs as (default www-data)");
    install->add_option("--group", service.group, "Group (default: the user's primary group)");
    install->add_flag("--force", service.force, "Replace a different installed configuration");
    auto* uninstall = service_cli->add_subcommand(
        "uninstall", "Stop and remove the service and the binary copy; keep the configuration");
    uninstall->add_flag("--purge", service.purge, "Remove /etc/ephpm/ephpm.toml too");
    auto* status = service_cli->add_subcommand(
        "status", "Whether the service is installed, and its state (exit 0: active, 3: not)");
    // `ephpm service install --root DIR` as well as `ephpm service --root DIR install`.
    for (auto* action : {install, uninstall, status}) action->fallthrough();

    cli.footer(
        fmt::format("ephpm {}. Environment: EPHPM_<SECTION>__<KEY> overrides a config "
                    "key (e.g. EPHPM_SERVER__LISTEN); $PORT sets the port when no "
                    "listen address is configured.",
                    kVersion));
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }

    if (install->parsed()) return service_install(service);
    if (uninstall->parsed()) return service_uninstall(service);
    if (status->parsed()) return service_status(service);
    if (version) return print_version();

    config::Config config;
    try {
        config = config::load(command_line, config::current_environment());
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "ephpm: configuration error: %s\n", e.what());
        return 2;
    }
    if (check_config) {
        std::fputs(config::to_toml(config).c_str(), stdout);
        return 0;
    }
    return run(config);
}

} // namespace ephpm::app
