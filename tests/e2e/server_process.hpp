#pragma once
// The real ephpm binary as a child process for end-to-end tests, and curl
// as its client. Everything here has a deadline: a hung server fails the
// test instead of hanging it.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ephpm::testing {

// A temporary directory removed with the object.
class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // Writes `relative` (creating parent directories).
    void write(const std::string& relative, const std::string& content) const;

private:
    std::filesystem::path path_;
};

// "127.0.0.1:<port>" with a port nobody listens on right now. The server
// itself can bind port 0 and report the real port (tests/server/
// server_bind_test.cpp), but the config loader wants 1..65535, so the binary
// gets a concrete port. The port comes from below the kernel's ephemeral
// range, so the clients of tests running in parallel cannot take it in the
// window between this probe and the server's bind.
std::string free_listen_address();

class ServerProcess {
public:
    // Writes an ephpm.toml into `work_dir`, starts the binary, and waits
    // (up to 30 s) for the banner's "listening on host:port".
    ServerProcess(const std::filesystem::path& work_dir, const std::string& toml);
    ~ServerProcess(); // SIGKILL if it is still running
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    [[nodiscard]] bool started() const { return port_ != 0; }
    [[nodiscard]] int pid() const { return pid_; }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url(const std::string& path) const;
    // Everything the process wrote to stdout and stderr so far.
    [[nodiscard]] std::string output() const;

    void signal(int signo) const;
    // The exit code, or nullopt if it did not exit within `timeout` (or died
    // from a signal: then -signo).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

private:
    std::filesystem::path log_path_;
    int pid_ = -1;
    int port_ = 0;
    bool reaped_ = false;
    int exit_code_ = 0;
};

struct HttpResponse {
    int curl_exit = -1; // 0 on success; 7 connection refused, 28 timeout, 52 empty reply
    int status = 0;
    std::multimap<std::string, std::string> headers; // names lower-cased
    std::string body;

    [[nodiscard]] std::string header(const std::string& lower_name) const;
    [[nodiscard]] bool has_header(const std::string& lower_name) const;
};

// `arg` as one word for sh -c.
std::string shell_quote(const std::string& arg);

// Runs a shell command; returns its exit code (-1 if it did not exit) and
// stdout.
std::pair<int, std::string> run_command(const std::string& command);

// Runs `curl -sS -i --max-time 10 <args...>` and parses what comes back.
HttpResponse curl(const std::vector<std::string>& args);

// Runs curl with `args` as given and returns its stdout (for -w formats).
std::string curl_raw(const std::vector<std::string>& args);

// For what curl will not send (malformed framing): connects to
// 127.0.0.1:`port`, writes `bytes` as they are, and reads until the server
// closes the connection or `timeout` has passed; returns everything read.
// `closed_by_server`, if given, says whether the read ended with EOF (or a
// reset) rather than the timeout.
std::string raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout,
                         bool* closed_by_server = nullptr);
// The same for a slow client: writes each of `pieces` in turn, pausing
// `pause` after each one but the last, then reads as above.
std::string raw_exchange(int port, const std::vector<std::string>& pieces,
                         std::chrono::milliseconds pause, std::chrono::milliseconds timeout,
                         bool* closed_by_server = nullptr);

} // namespace ephpm::testing
