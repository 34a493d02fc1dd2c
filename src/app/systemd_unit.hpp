#pragma once
// The systemd unit that `ephpm service install` writes: Type=notify (the
// server sends READY=1 once it listens, see platform/service_notify.hpp),
// hardened the way a web server can bear (read-only system, private /tmp,
// no new privileges), with only the directories the configuration writes to
// left writable.

#include <chrono>
#include <string>
#include <vector>

namespace ephpm::app {

struct UnitSpec {
    std::string binary;                   // absolute path of the installed ephpm
    std::string config;                   // absolute path of the installed ephpm.toml
    std::string user;                     // empty or "root": runs as root
    std::string group;                    // empty: the user's primary group
    std::vector<std::string> writable;    // ReadWritePaths (docroot, log dirs, ...)
    std::chrono::milliseconds shutdown{}; // [server.timeouts] shutdown: the drain deadline
    bool protect_home = true;             // false when a served path is under /home or /root
};

std::string render_systemd_unit(const UnitSpec& spec);

// One argument of an Exec*= line: quoted when it needs it, with systemd's
// specifiers (%) and variables ($) kept literal.
std::string systemd_exec_argument(const std::string& argument);

} // namespace ephpm::app
