// The systemd unit that `ephpm service install` writes, as text. That
// systemd itself accepts it is checked in tests/e2e/service_e2e_test.cpp.

#include "app/systemd_unit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace ephpm::app {
namespace {

using namespace std::chrono_literals;

UnitSpec example() {
    UnitSpec spec;
    spec.binary = "/usr/local/bin/ephpm";
    spec.config = "/etc/ephpm/ephpm.toml";
    spec.user = "www-data";
    spec.group = "www-data";
    spec.writable = {"/var/www/html", "/var/log/ephpm-access"};
    spec.shutdown = 10s;
    return spec;
}

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(SystemdUnit, NotifiesAndStartsTheInstalledBinaryWithItsConfig) {
    const std::string unit = render_systemd_unit(example());
    EXPECT_TRUE(has_line(unit, "Type=notify")) << unit;
    EXPECT_TRUE(has_line(unit, "ExecStart=/usr/local/bin/ephpm --config /etc/ephpm/ephpm.toml"))
        << unit;
    EXPECT_TRUE(has_line(unit, "WantedBy=multi-user.target")) << unit;
}

TEST(SystemdUnit, IsHardenedWithOnlyTheConfiguredPathsWritable) {
    const std::string unit = render_systemd_unit(example());
    for (const char* line :
         {"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes",
          "ReadWritePaths=-/var/www/html", "ReadWritePaths=-/var/log/ephpm-access", "User=www-data",
          "Group=www-data", "AmbientCapabilities=CAP_NET_BIND_SERVICE"}) {
        EXPECT_TRUE(has_line(unit, line)) << line << "\n" << unit;
    }
}

TEST(SystemdUnit, StopTimeoutOutlastsTheDrainDeadline) {
    auto spec = example();
    spec.shutdown = 30s;
    EXPECT_TRUE(has_line(render_systemd_unit(spec), "TimeoutStopSec=35s"));
}

TEST(SystemdUnit, RootNeedsNoUserOrCapabilities) {
    auto spec = example();
    spec.user = "root";
    const std::string unit = render_systemd_unit(spec);
    EXPECT_EQ(unit.find("User="), std::string::npos) << unit;
    EXPECT_EQ(unit.find("AmbientCapabilities="), std::string::npos) << unit;
}

TEST(SystemdUnit, ADocumentRootUnderHomeLeavesHomeVisible) {
    auto spec = example();
    spec.protect_home = false;
    EXPECT_EQ(render_systemd_unit(spec).find("ProtectHome="), std::string::npos);
}

TEST(SystemdUnit, ExecArgumentsAreQuotedAndKeepSpecifiersLiteral) {
    EXPECT_EQ(systemd_exec_argument("/etc/ephpm/ephpm.toml"), "/etc/ephpm/ephpm.toml");
    EXPECT_EQ(systemd_exec_argument("/srv/my site/ephpm.toml"), "\"/srv/my site/ephpm.toml\"");
    EXPECT_EQ(systemd_exec_argument("/srv/100%/$HOME"), "/srv/100%%/$$HOME");
    EXPECT_EQ(systemd_exec_argument("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(systemd_exec_argument(""), "\"\"");
}

TEST(SystemdUnit, WritablePathsWithSpacesAreEscaped) {
    auto spec = example();
    spec.writable = {"/srv/my site"};
    EXPECT_TRUE(has_line(render_systemd_unit(spec), "ReadWritePaths=-/srv/my\\x20site"));
}

} // namespace
} // namespace ephpm::app
