#include "app/service_command.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "app/systemd_unit.hpp"
#include "ephpm/config/load.hpp"

extern char** environ;

namespace ephpm::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnitName = "ephpm.service";
constexpr const char* kUnitPath = "/etc/systemd/system/ephpm.service";
constexpr const char* kConfigPath = "/etc/ephpm/ephpm.toml";
constexpr const char* kBinaryPath = "/usr/local/bin/ephpm";
constexpr const char* kDefaultDocumentRoot = "/var/www/html";

// Thrown for a step that failed; main() prints it as "ephpm service: ...".
struct ServiceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

fs::path under_root(const ServiceOptions& options, const char* absolute) {
    return fs::path(options.root) / fs::path(absolute).relative_path();
}

bool real_root(const ServiceOptions& options) {
    std::error_code ec;
    return fs::equivalent(options.root, "/", ec);
}

void require_privileges(const ServiceOptions& options, std::string_view action) {
    if (real_root(options) && ::geteuid() != 0) {
        throw ServiceError(fmt::format(
            "{} must run as root (it changes {} and systemd's units); run it again with sudo",
            action, kUnitPath));
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Written beside the target and renamed over it: a reader never sees half.
void write_file_atomically(const fs::path& path, const std::string& content, fs::perms perms) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
        throw ServiceError(
            fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
    const fs::path temporary = path.string() + ".ephpm-new";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        out.close();
        if (!out) throw ServiceError(fmt::format("cannot write {}", temporary.string()));
    }
    fs::permissions(temporary, perms, ec);
    fs::rename(temporary, path, ec);
    if (ec) {
        fs::remove(temporary);
        throw ServiceError(fmt::format("cannot write {}: {}", path.string(), ec.message()));
    }
}

void install_binary(const fs::path& target) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw ServiceError("cannot find the running binary (/proc/self/exe): " + ec.message());
    if (fs::equivalent(self, target, ec)) {
        std::printf("binary: %s (already there)\n", target.c_str());
        return;
    }
    fs::create_directories(target.parent_path(), ec);
    const fs::path temporary = target.string() + ".ephpm-new";
    fs::copy_file(self, temporary, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::permissions(temporary, fs::perms(0755), ec);
    if (!ec) fs::rename(temporary, target, ec);
    if (ec) {
        fs::remove(temporary);
        throw ServiceError(
            fmt::format("cannot install the binary as {}: {}", target.string(), ec.message()));
    }
    std::printf("binary: %s (copied from %s)\n", target.c_str(), self.c_str());
}

// Runs a program (looked up in PATH) and returns its exit code, -1 when it
// could not be started. Its output goes where ours goes.
int run_program(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    std::vector<std::string> copies = argv;
    for (auto& arg : copies) args.push_back(arg.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// As run_program, with the program's standard output returned.
std::pair<int, std::string> capture_program(const std::vector<std::string>& argv) {
    std::string command;
    for (const auto& arg : argv) command += "'" + arg + "' "; // constant arguments only
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, {}};
    std::string out;
    char buffer[512];
    while (const size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool systemd_runs_this_machine(const ServiceOptions& options) {
    return real_root(options) && fs::is_directory("/run/systemd/system");
}

void systemctl(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {"systemctl"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    const int code = run_program(argv);
    if (code != 0) {
        std::string line;
        for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
        throw ServiceError(fmt::format("`{}` failed (exit code {})", line, code));
    }
}

// The directory of a file-valued setting, or nothing for "stdout"/"off" and
// the like.
std::optional<std::string> directory_of(const std::string& file) {
    if (file.empty() || file.front() != '/') return std::nullopt;
    return fs::path(file).parent_path().string();
}

// What the configuration writes to: the document root (uploads, caches of
// apps like WordPress), the access log's directory, and PHP's own paths.
std::vector<std::string> writable_paths(const config::Config& config) {
    std::vector<std::string> paths = {config.server.document_root};
    if (auto dir = directory_of(config.logging.access)) paths.push_back(*dir);
    for (const auto& [key, value] : config.php.ini_overrides) {
        if (key == "upload_tmp_dir" || key == "sys_temp_dir") {
            if (!value.empty() && value.front() == '/') paths.push_back(value);
        } else if (key == "session.save_path") {
            // "N;MODE;/path" as well as "/path".
            const std::string path = value.substr(value.rfind(';') + 1);
            if (!path.empty() && path.front() == '/') paths.push_back(path);
        } else if (key == "error_log") {
            if (auto dir = directory_of(value)) paths.push_back(*dir);
        }
    }
    return paths;
}

bool under_home(const std::string& path) {
    for (const std::string_view home : {"/home", "/root", "/run/user"}) {
        if (path.rfind(home, 0) == 0 && (path.size() == home.size() || path[home.size()] == '/')) {
            return true;
        }
    }
    return false;
}

// The user's primary group when none is given; the user must exist.
std::string group_for(const ServiceOptions& options) {
    if (options.user == "root" || options.user.empty()) return {};
    const passwd* user = ::getpwnam(options.user.c_str());
    if (user == nullptr) {
        throw ServiceError(fmt::format(
            "the user '{}' does not exist on this machine; create it, or name another with --user",
            options.user));
    }
    if (!options.group.empty()) {
        if (::getgrnam(options.group.c_str()) == nullptr) {
            throw ServiceError(
                fmt::format("the group '{}' does not exist on this machine", options.group));
        }
        return options.group;
    }
    const group* primary = ::getgrgid(user->pw_gid);
    return primary != nullptr ? primary->gr_name : std::to_string(user->pw_gid);
}

std::string config_header(const std::string& source) {
    return fmt::format(
        "# ePHPm configuration for {}, written by `ephpm service install` from {}.\n"
        "# The effective configuration: every key, relative paths made absolute.\n"
        "# Edit it, then `systemctl restart ephpm`.\n\n",
        kUnitName, source);
}

config::Config load_config(const fs::path& path) {
    config::CommandLine command_line;
    command_line.config_path = path.string();
    // The installed service does not see this shell's EPHPM_* variables.
    return config::load(command_line, {});
}

// Decides what /etc/ephpm/ephpm.toml will hold; returns the configuration
// the unit is written for.
config::Config install_config(const ServiceOptions& options) {
    const fs::path target = under_root(options, kConfigPath);
    std::error_code ec;
    const bool exists = fs::exists(target, ec);
    if (options.config) {
        const config::Config loaded = load_config(*options.config);
        const std::string text =
            config_header(fs::absolute(*options.config).string()) + config::to_toml(loaded);
        if (exists && !options.force && read_file(target) != text) {
            throw ServiceError(
                fmt::format("{} exists and differs from what {} gives; pass --force to replace it "
                            "(or install without --config to keep it)",
                            target.string(), *options.config));
        }
        write_file_atomically(target, text, fs::perms(0644));
        std::printf("config: %s (from %s)\n", target.c_str(), options.config->c_str());
        return loaded;
    }
    if (exists) {
        std::printf("config: %s (kept)\n", target.c_str());
        return load_config(target);
    }
    config::Config defaults;
    defaults.server.listen = "0.0.0.0:80";
    defaults.server.document_root = kDefaultDocumentRoot;
    fs::create_directories(under_root(options, kDefaultDocumentRoot), ec);
    write_file_atomically(target, config_header("its defaults") + config::to_toml(defaults),
                          fs::perms(0644));
    std::printf("config: %s (default: serves %s on port 80)\n", target.c_str(),
                kDefaultDocumentRoot);
    return defaults;
}

int report(const ServiceError& e) {
    std::fprintf(stderr, "ephpm service: %s\n", e.what());
    return 1;
}

} // namespace

int service_install(const ServiceOptions& options) {
    try {
        require_privileges(options, "ephpm service install");
        UnitSpec spec;
        spec.user = options.user;
        spec.group = group_for(options);
        const config::Config config = install_config(options);
        spec.binary = kBinaryPath;
        spec.config = kConfigPath;
        spec.shutdown = config.server.timeouts.shutdown;
        spec.writable = writable_paths(config);
        for (const auto& path : spec.writable)
            spec.protect_home = spec.protect_home && !under_home(path);

        install_binary(under_root(options, kBinaryPath));
        const fs::path unit = under_root(options, kUnitPath);
        write_file_atomically(unit, render_systemd_unit(spec), fs::perms(0644));
        std::printf("unit: %s\n", unit.c_str());

        if (!systemd_runs_this_machine(options)) {
            std::printf(
                "systemd does not run %s: enable the service there with "
                "`systemctl enable --now %s`\n",
                real_root(options) ? "this machine" : options.root.c_str(), kUnitName);
            return 0;
        }
        systemctl({"daemon-reload"});
        systemctl({"enable", "--now", kUnitName});
        std::printf("%s is enabled and started; `ephpm service status` shows its state\n",
                    kUnitName);
        return 0;
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "ephpm: configuration error: %s\n", e.what());
        return 2;
    } catch (const ServiceError& e) {
        return report(e);
    }
}

int service_uninstall(const ServiceOptions& options) {
    try {
        require_privileges(options, "ephpm service uninstall");
        const fs::path unit = under_root(options, kUnitPath);
        std::error_code ec;
        if (!fs::exists(unit, ec)) {
            std::printf("%s is not installed (no %s); nothing to do\n", kUnitName, unit.c_str());
            return 0;
        }
        if (systemd_runs_this_machine(options)) {
            // A unit that is already stopped or disabled is not an error here.
            run_program({"systemctl", "disable", "--now", kUnitName});
        }
        fs::remove(unit, ec);
        if (ec)
            throw ServiceError(fmt::format("cannot remove {}: {}", unit.string(), ec.message()));
        std::printf("removed %s\n", unit.c_str());
        if (systemd_runs_this_machine(options)) systemctl({"daemon-reload"});

        const fs::path binary = under_root(options, kBinaryPath);
        if (fs::remove(binary, ec)) std::printf("removed %s\n", binary.c_str());
        const fs::path config = under_root(options, kConfigPath);
        if (options.purge) {
            if (fs::remove(config, ec)) std::printf("removed %s\n", config.c_str());
            fs::remove(config.parent_path(), ec); // only if now empty
        } else if (fs::exists(config, ec)) {
            std::printf("kept %s (--purge removes it)\n", config.c_str());
        }
        return 0;
    } catch (const ServiceError& e) {
        return report(e);
    }
}

int service_status(const ServiceOptions& options) {
    const fs::path unit = under_root(options, kUnitPath);
    std::error_code ec;
    if (!fs::exists(unit, ec)) {
        std::printf("%s: not installed (no %s; `ephpm service install` writes it)\n", kUnitName,
                    unit.c_str());
        return 3;
    }
    std::printf("%s: installed\nunit: %s\nconfig: %s\n", kUnitName, unit.c_str(),
                under_root(options, kConfigPath).c_str());
    if (!systemd_runs_this_machine(options)) {
        std::printf("state: unknown (systemd does not run %s)\n",
                    real_root(options) ? "this machine" : options.root.c_str());
        return 3;
    }
    const auto [code, out] = capture_program(
        {"systemctl", "show", kUnitName,
         "--property=ActiveState,SubState,UnitFileState,MainPID,ActiveEnterTimestamp,StatusText"});
    if (code != 0) {
        std::fprintf(stderr, "ephpm service: `systemctl show %s` failed (exit code %d)\n",
                     kUnitName, code);
        return 1;
    }
    std::fputs(out.c_str(), stdout);
    return out.find("ActiveState=active\n") != std::string::npos ? 0 : 3;
}

} // namespace ephpm::app
