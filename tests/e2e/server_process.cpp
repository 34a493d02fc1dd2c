#include "e2e/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

} // namespace

std::string shell_quote(const std::string& arg) {
    std::string quoted = "'";
    for (char c : arg) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted.push_back(c);
        }
    }
    quoted.push_back('\'');
    return quoted;
}

std::pair<int, std::string> run_command(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    std::string out;
    std::array<char, 8192> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        out.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

namespace {

// The lower end of the kernel's ephemeral range (connect() and bind to port
// 0 draw from it), or 0 if unknown.
int ephemeral_port_floor() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    return (range >> low) ? low : 0;
}

// Whether 127.0.0.1:`port` can be bound now; `port` 0 asks the kernel for
// one and stores it.
bool can_bind(int& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t length = sizeof(address);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (bound) port = ntohs(address.sin_port);
    return bound;
}

} // namespace

std::string free_listen_address() {
    // A port below the ephemeral range: between this probe and the server's
    // bind, no client connection of a test running alongside (h2load opens
    // hundreds) can take it as its local port, as one drawn by bind(0) could.
    constexpr int kFirst = 20000;
    const int floor = ephemeral_port_floor();
    if (floor > kFirst + 1000) {
        static std::mt19937 pick{std::random_device{}()};
        std::uniform_int_distribution<int> ports(kFirst, floor - 1);
        for (int attempt = 0; attempt < 100; ++attempt) {
            int port = ports(pick);
            if (can_bind(port)) return "127.0.0.1:" + std::to_string(port);
        }
    }
    int port = 0;
    if (!can_bind(port)) throw std::runtime_error("cannot find a free port");
    return "127.0.0.1:" + std::to_string(port);
}

TempDir::TempDir(const std::string& prefix) {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void TempDir::write(const std::string& relative, const std::string& content) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
}

ServerProcess::ServerProcess(const std::filesystem::path& work_dir, const std::string& toml) {
    const auto config_path = work_dir / "ephpm.toml";
    std::ofstream(config_path) << toml;
    log_path_ = work_dir / "ephpm.log";

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);

    // The child gets our environment minus what would reconfigure it.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        if (entry.rfind("EPHPM_", 0) == 0 || entry.rfind("PORT=", 0) == 0) continue;
        env_strings.push_back(entry);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::string binary = EPHPM_BINARY;
    std::string flag = "--config";
    std::string config = config_path.native();
    std::array<char*, 4> argv = {binary.data(), flag.data(), config.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + binary + " failed");
    pid_ = pid;

    const std::regex banner(R"(listening on 127\.0\.0\.1:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch match;
        const std::string log = output();
        if (std::regex_search(log, match, banner)) {
            port_ = std::stoi(match[1]);
            return;
        }
        if (wait_exit(0ms)) return; // exited early: started() stays false
        std::this_thread::sleep_for(20ms);
    }
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        wait_exit(5000ms);
    }
}

std::string ServerProcess::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ServerProcess::output() const { return read_file(log_path_); }

void ServerProcess::signal(int signo) const {
    if (pid_ > 0 && !reaped_) ::kill(pid_, signo);
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (reaped_) return exit_code_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            reaped_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

bool HttpResponse::has_header(const std::string& lower_name) const {
    return headers.count(lower_name) != 0;
}

std::string curl_raw(const std::vector<std::string>& args) {
    std::string command = "curl -sS --max-time 10";
    for (const auto& arg : args) command += " " + shell_quote(arg);
    return run_command(command + " 2>/dev/null").second;
}

HttpResponse curl(const std::vector<std::string>& args) {
    std::string command = "curl -sS -i --max-time 10";
    for (const auto& arg : args) command += " " + shell_quote(arg);
    auto [code, out] = run_command(command + " 2>/dev/null");
    HttpResponse response;
    response.curl_exit = code;
    // Skip interim responses (100 Continue), then parse the final one.
    std::size_t pos = 0;
    for (;;) {
        const std::size_t end = out.find("\r\n\r\n", pos);
        if (out.compare(pos, 5, "HTTP/") != 0 || end == std::string::npos) return response;
        std::istringstream head(out.substr(pos, end - pos));
        std::string line;
        std::getline(head, line);
        std::istringstream status_line(line);
        std::string version;
        status_line >> version >> response.status;
        if (response.status >= 100 && response.status < 200) {
            pos = end + 4;
            continue;
        }
        while (std::getline(head, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const std::size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            response.headers.emplace(lower(line.substr(0, colon)), value);
        }
        response.body = out.substr(end + 4);
        return response;
    }
}

std::string raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout,
                         bool* closed_by_server) {
    return raw_exchange(port, std::vector<std::string>{bytes}, std::chrono::milliseconds(0),
                        timeout, closed_by_server);
}

std::string raw_exchange(int port, const std::vector<std::string>& pieces,
                         std::chrono::milliseconds pause, std::chrono::milliseconds timeout,
                         bool* closed_by_server) {
    if (closed_by_server != nullptr) *closed_by_server = false;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    // The server may answer and close before it has read everything; what
    // it sent still arrives, so a failed write is not an error here.
    bool write_failed = false;
    for (std::size_t i = 0; i < pieces.size() && !write_failed; ++i) {
        if (i > 0) std::this_thread::sleep_for(pause);
        const std::string& bytes = pieces[i];
        std::size_t written = 0;
        while (written < bytes.size()) {
            const ssize_t n =
                ::send(fd, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                write_failed = true;
                break;
            }
            written += static_cast<std::size_t>(n);
        }
    }

    std::string received;
    std::array<char, 8192> buffer{};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd pfd{fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break; // the timeout: the server kept the connection
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (closed_by_server != nullptr) *closed_by_server = true;
            break;
        }
        received.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return received;
}

} // namespace ephpm::testing
