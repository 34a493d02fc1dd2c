#pragma once
// `ephpm service install|uninstall|status`: ePHPm as a systemd service.
//
// install   copies the running binary to /usr/local/bin/ephpm, writes the
//           configuration to /etc/ephpm/ephpm.toml (the effective one of
//           --config, with absolute paths; an existing file is kept unless
//           --config differs and --force is given; neither: a default that
//           serves /var/www/html on port 80), writes
//           /etc/systemd/system/ephpm.service (app/systemd_unit.hpp), and
//           enables and starts it when systemd runs this machine.
// uninstall stops and disables the unit, removes it and the binary copy;
//           the configuration stays unless --purge.
// status    says whether the unit is installed and, from systemd, its state;
//           exit code 0 when active, 3 when not (as LSB status actions).
//
// --root DIR does all of it under DIR instead of / (for images and tests):
// nothing is asked of systemd then, and root privileges are not required.

#include <optional>
#include <string>

namespace ephpm::app {

struct ServiceOptions {
    std::optional<std::string> config; // install: the configuration to install
    std::string root = "/";
    std::string user = "www-data"; // "root": no User= line
    std::string group;             // empty: the user's primary group
    bool force = false;            // install: replace a different installed configuration
    bool purge = false;            // uninstall: remove the configuration too
};

int service_install(const ServiceOptions& options);
int service_uninstall(const ServiceOptions& options);
int service_status(const ServiceOptions& options);

} // namespace ephpm::app
