// ePHPm under a service manager: the Type=notify messages on a fake
// $NOTIFY_SOCKET, and `ephpm service install|uninstall|status` under a
// temporary root, with systemd's own verifier reading the unit it writes.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "e2e/server_process.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A bound AF_UNIX datagram socket: what systemd listens on for notify.
class NotifyListener {
public:
    explicit NotifyListener(const fs::path& path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
        bound_ = fd_ >= 0 &&
                 ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }
    ~NotifyListener() {
        if (fd_ >= 0) ::close(fd_);
    }
    NotifyListener(const NotifyListener&) = delete;
    NotifyListener& operator=(const NotifyListener&) = delete;

    [[nodiscard]] bool bound() const { return bound_; }

    // The next datagram, or nullopt when none came within `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0) return std::nullopt;
        return std::string(buffer, static_cast<std::size_t>(n));
    }

private:
    int fd_ = -1;
    bool bound_ = false;
};

// Sets an environment variable for the scope's life (children inherit it).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

TEST(ServiceNotify, ReadyOnceListeningThenStoppingOnSigterm) {
    TempDir site("ephpm-notify-site");
    TempDir work("ephpm-notify-work");
    site.write("index.php", "<?php echo 'up';");
    NotifyListener listener(work.path() / "notify.sock");
    ASSERT_TRUE(listener.bound());

    std::optional<ServerProcess> server;
    {
        ScopedEnv notify("NOTIFY_SOCKET", (work.path() / "notify.sock").native());
        server.emplace(work.path(), "[server]\nlisten = \"" + free_listen_address() +
                                        "\"\ndocument_root = \"" + site.path().native() +
                                        "\"\n[php]\nworkers = 1\n");
    }
    ASSERT_TRUE(server->started()) << server->output();

    const auto ready = listener.receive(10s);
    ASSERT_TRUE(ready.has_value()) << "no READY=1 arrived\n" << server->output();
    EXPECT_EQ(*ready, "READY=1\nSTATUS=listening on 127.0.0.1:" + std::to_string(server->port()));
    // Ready means served: a request right after it gets its answer.
    EXPECT_EQ(curl({server->url("/")}).body, "up");

    server->signal(SIGTERM);
    const auto stopping = listener.receive(10s);
    ASSERT_TRUE(stopping.has_value()) << "no STOPPING=1 arrived\n" << server->output();
    EXPECT_EQ(*stopping, "STOPPING=1\nSTATUS=stopping");
    EXPECT_EQ(server->wait_exit(15s), 0) << server->output();
}

TEST(ServiceNotify, AnUnreachableNotifySocketIsLoggedAndTheServerStillServes) {
    TempDir site("ephpm-notify-site");
    TempDir work("ephpm-notify-work");
    site.write("index.php", "<?php echo 'up';");
    std::optional<ServerProcess> server;
    {
        ScopedEnv notify("NOTIFY_SOCKET", (work.path() / "nobody-listens.sock").native());
        server.emplace(work.path(), "[server]\nlisten = \"" + free_listen_address() +
                                        "\"\ndocument_root = \"" + site.path().native() +
                                        "\"\n[php]\nworkers = 1\n");
    }
    ASSERT_TRUE(server->started()) << server->output();
    EXPECT_EQ(curl({server->url("/")}).body, "up");
    EXPECT_NE(server->output().find("could not notify the service manager"), std::string::npos)
        << server->output();
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::pair<int, std::string> ephpm(const std::string& arguments) {
    return run_command(shell_quote(EPHPM_BINARY) + " " + arguments + " 2>&1");
}

class ServiceCommand : public ::testing::Test {
protected:
    void SetUp() override {
        site_.write("index.php", "<?php echo 'up';");
        config_ = work_.path() / "site.toml";
        std::ofstream(config_) << "[server]\nlisten = \"0.0.0.0:8080\"\ndocument_root = \"site\"\n"
                                  "[server.logging]\naccess = \"logs/access.log\"\n";
        fs::create_directory(work_.path() / "site");
        fs::create_directory(work_.path() / "logs");
        root_ = root_dir_.path().native();
    }

    fs::path installed(const char* absolute) const {
        return root_dir_.path() / fs::path(absolute).relative_path();
    }

    TempDir site_{"ephpm-service-site"};
    TempDir work_{"ephpm-service-work"};
    TempDir root_dir_{"ephpm-service-root"};
    fs::path config_;
    std::string root_;
};

TEST_F(ServiceCommand, InstallWritesAUnitThatSystemdAccepts) {
    const auto [code, out] = ephpm("service install --root " + shell_quote(root_) + " --config " +
                                   shell_quote(config_.native()) + " --user root");
    ASSERT_EQ(code, 0) << out;

    const std::string unit = read_text(installed("/etc/systemd/system/ephpm.service"));
    EXPECT_NE(unit.find("Type=notify\n"), std::string::npos) << unit;
    EXPECT_NE(unit.find("ExecStart=/usr/local/bin/ephpm --config /etc/ephpm/ephpm.toml\n"),
              std::string::npos)
        << unit;
    // The relative document root is made absolute against the config's folder.
    EXPECT_NE(unit.find("ReadWritePaths=-" + (work_.path() / "site").native() + "\n"),
              std::string::npos)
        << unit;
    EXPECT_NE(unit.find("ReadWritePaths=-" + (work_.path() / "logs").native() + "\n"),
              std::string::npos)
        << unit;
    EXPECT_TRUE(fs::exists(installed("/usr/local/bin/ephpm")));
    EXPECT_NE(read_text(installed("/etc/ephpm/ephpm.toml"))
                  .find("document_root = \"" + (work_.path() / "site").native() + "\""),
              std::string::npos);

    // The installed binary reads the installed configuration.
    const auto [check_code, check_out] = run_command(
        shell_quote(installed("/usr/local/bin/ephpm").native()) + " --check-config -c " +
        shell_quote(installed("/etc/ephpm/ephpm.toml").native()) + " 2>&1");
    EXPECT_EQ(check_code, 0) << check_out;

    // systemd's verifier, on a root that has systemd's own units (for the
    // targets the unit names). Any complaint is a failure: it warns about
    // unknown keys and bad values with exit code 0.
    const auto [copy_code, copy_out] = run_command(
        "mkdir -p " + shell_quote(root_ + "/usr/lib/systemd") +
        " && cp -a /usr/lib/systemd/system " + shell_quote(root_ + "/usr/lib/systemd/") + " 2>&1");
    ASSERT_EQ(copy_code, 0) << copy_out;
    const auto [verify_code, verify_out] =
        run_command("systemd-analyze verify --root=" + shell_quote(root_) + " ephpm.service 2>&1");
    EXPECT_EQ(verify_code, 0) << verify_out;
    EXPECT_EQ(verify_out, "") << unit;
}

TEST_F(ServiceCommand, ADifferentInstalledConfigIsKeptUnlessForced) {
    const std::string install = "service install --root " + shell_quote(root_) + " --user root";
    ASSERT_EQ(ephpm(install + " --config " + shell_quote(config_.native())).first, 0);
    // The same config again is no conflict.
    EXPECT_EQ(ephpm(install + " --config " + shell_quote(config_.native())).first, 0);

    const fs::path other = work_.path() / "other.toml";
    std::ofstream(other) << "[server]\nlisten = \"0.0.0.0:9090\"\ndocument_root = \"site\"\n";
    const auto [code, out] = ephpm(install + " --config " + shell_quote(other.native()));
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("--force"), std::string::npos) << out;
    EXPECT_EQ(read_text(installed("/etc/ephpm/ephpm.toml")).find("9090"), std::string::npos);

    EXPECT_EQ(ephpm(install + " --force --config " + shell_quote(other.native())).first, 0);
    EXPECT_NE(read_text(installed("/etc/ephpm/ephpm.toml")).find("0.0.0.0:9090"),
              std::string::npos);
}

TEST_F(ServiceCommand, ABadConfigIsRefusedWithItsLineAndNothingIsInstalled) {
    const fs::path bad = work_.path() / "bad.toml";
    std::ofstream(bad) << "[server]\nlisten = \"0.0.0.0:8080\"\nlisten_typo = 1\n";
    const auto [code, out] = ephpm("service install --root " + shell_quote(root_) +
                                   " --user root --config " + shell_quote(bad.native()));
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("bad.toml:3"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(installed("/etc/systemd/system/ephpm.service")));
}

TEST_F(ServiceCommand, AnUnknownUserIsRefused) {
    const auto [code, out] =
        ephpm("service install --root " + shell_quote(root_) + " --user no-such-user-ephpm " +
              "--config " + shell_quote(config_.native()));
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("no-such-user-ephpm"), std::string::npos) << out;
}

TEST_F(ServiceCommand, StatusThenUninstallKeepsTheConfigUnlessPurged) {
    const std::string at_root = " --root " + shell_quote(root_);
    EXPECT_EQ(ephpm("service status" + at_root).first, 3);
    ASSERT_EQ(ephpm("service install" + at_root + " --user root --config " +
                    shell_quote(config_.native()))
                  .first,
              0);
    const auto [status_code, status_out] = ephpm("service status" + at_root);
    EXPECT_EQ(status_code, 3) << status_out; // installed, but nothing runs it here
    EXPECT_NE(status_out.find("installed"), std::string::npos) << status_out;

    const auto [code, out] = ephpm("service uninstall" + at_root);
    EXPECT_EQ(code, 0) << out;
    EXPECT_FALSE(fs::exists(installed("/etc/systemd/system/ephpm.service")));
    EXPECT_FALSE(fs::exists(installed("/usr/local/bin/ephpm")));
    EXPECT_TRUE(fs::exists(installed("/etc/ephpm/ephpm.toml")));
    EXPECT_NE(out.find("kept"), std::string::npos) << out;

    ASSERT_EQ(ephpm("service install" + at_root + " --user root").first, 0); // keeps the config
    EXPECT_EQ(ephpm("service uninstall --purge" + at_root).first, 0);
    EXPECT_FALSE(fs::exists(installed("/etc/ephpm/ephpm.toml")));
}

} // namespace
} // namespace ephpm::testing
