#include "app/systemd_unit.hpp"

#include <fmt/format.h>

namespace ephpm::app {

std::string systemd_exec_argument(const std::string& argument) {
    std::string escaped;
    bool needs_quotes = argument.empty();
    for (const char c : argument) {
        switch (c) {
            case '%':
                escaped += "%%";
                break;
            case '$':
                escaped += "$$";
                break;
            case '\\':
                escaped += "\\\\";
                needs_quotes = true;
                break;
            case '"':
                escaped += "\\\"";
                needs_quotes = true;
                break;
            case ' ':
            case '\t':
            case '\'':
            case ';':
                escaped += c;
                needs_quotes = true;
                break;
            default:
                escaped += c;
        }
    }
    return needs_quotes ? "\"" + escaped + "\"" : escaped;
}

namespace {

// A ReadWritePaths= entry. The leading '-' lets the service start when the
// directory does not exist yet (systemd would otherwise fail to set up the
// namespace with the cryptic status 226/NAMESPACE); ePHPm reports a missing
// document root itself, with its path.
std::string writable_path(const std::string& path) {
    std::string escaped;
    for (const char c : path) {
        if (c == '%')
            escaped += "%%";
        else if (c == ' ')
            escaped += "\\x20";
        else
            escaped += c;
    }
    return "-" + escaped;
}

} // namespace

std::string render_systemd_unit(const UnitSpec& spec) {
    std::string unit =
        "# Written by `ephpm service install`; `ephpm service uninstall` removes it.\n"
        "[Unit]\n"
        "Description=ePHPm PHP application server\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=notify\n"
        "NotifyAccess=main\n";
    unit += fmt::format("ExecStart={} --config {}\n", systemd_exec_argument(spec.binary),
                        systemd_exec_argument(spec.config));
    unit += "# ExecReload: ePHPm has no configuration reload yet; restart to apply changes.\n";
    unit += "Restart=on-failure\nRestartSec=2s\n";
    // systemd's SIGKILL must not come before the drain deadline has passed.
    const auto stop_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(spec.shutdown).count() + 5;
    unit += fmt::format("TimeoutStopSec={}s\n", stop_seconds);
    unit += "LimitNOFILE=65536\n";
    if (!spec.user.empty() && spec.user != "root") {
        unit += fmt::format("User={}\n", spec.user);
        if (!spec.group.empty()) unit += fmt::format("Group={}\n", spec.group);
        // Ports below 1024 without running as root.
        unit += "AmbientCapabilities=CAP_NET_BIND_SERVICE\n";
        unit += "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n";
    }
    unit +=
        "NoNewPrivileges=yes\n"
        "ProtectSystem=strict\n";
    if (spec.protect_home) unit += "ProtectHome=yes\n";
    unit +=
        "PrivateTmp=yes\n"
        "PrivateDevices=yes\n"
        "ProtectKernelTunables=yes\n"
        "ProtectKernelModules=yes\n"
        "ProtectKernelLogs=yes\n"
        "ProtectControlGroups=yes\n"
        "ProtectClock=yes\n"
        "ProtectHostname=yes\n"
        "RestrictSUIDSGID=yes\n"
        "RestrictRealtime=yes\n"
        "RestrictNamespaces=yes\n"
        "LockPersonality=yes\n"
        "SystemCallArchitectures=native\n"
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
        // PHP's JIT and PCRE's JIT map writable code: no MemoryDenyWriteExecute.
        "StateDirectory=ephpm\n"
        "CacheDirectory=ephpm\n"
        "LogsDirectory=ephpm\n";
    for (const auto& path : spec.writable) {
        unit += fmt::format("ReadWritePaths={}\n", writable_path(path));
    }
    unit +=
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n";
    return unit;
}

} // namespace ephpm::app
