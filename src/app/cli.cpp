#include "app/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

#include "ephpm/app/run.hpp"
#include "ephpm/app/version_info.hpp"
#include "ephpm/config/load.hpp"
#include "ephpm/php/runtime.hpp"
#include "ephpm/version.hpp"

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
