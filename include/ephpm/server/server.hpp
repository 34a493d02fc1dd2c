#pragma once
// The HTTP server (HTTP/1.1, and HTTP/2 with prior knowledge on the same
// port): binds the listen address, serves the document root (static files and
// PHP through the pool) until SIGINT/SIGTERM or stop(), then shuts down
// gracefully.
//
// Shutdown: stop accepting; idle keep-alive connections close at once;
// in-flight requests may finish for [server.timeouts] shutdown (default
// 10 s), after which their connections are closed and running scripts see an
// aborted client at their next output (PHP cannot be interrupted from outside; max_execution_time
// bounds the rest). A second signal exits the process immediately (code 1).

#include <functional>
#include <memory>
#include <string>

#include "ephpm/config/config.hpp"
#include "ephpm/php/pool.hpp"

namespace ephpm::server {

struct ServerOptions {
    bool handle_signals = true; // SIGINT/SIGTERM start the graceful stop
    // Called once, on the server's control thread, when the graceful stop
    // begins (signal or stop()), before connections are drained.
    std::function<void()> on_stopping;
};

// [server] io_threads = 0: one per CPU this process may use (its affinity,
// capped by a cgroup CPU quota), at least one, as nginx's
// `worker_processes auto`. With fewer, an io thread is on every request's
// path and the cores idle while it wakes: on 2 cores with 4 PHP threads, one
// io thread left about 10 % of the CPU idle under a 1 MiB file load, two
// almost none. Two served 1.1-1.25x the requests per second of one for
// small and 1 MiB files, hello.php, json and POST bodies; p99s were higher
// and the CPU per PHP request up to 12 % (docs/benchmarks.md, eighth round).
int default_io_thread_count() noexcept;

class Server {
public:
    // Opens the access log ([server.logging] access), binds, listens and
    // (with handle_signals) installs the SIGINT/SIGTERM handlers; throws
    // std::runtime_error ("cannot listen on 127.0.0.1:80: Permission denied",
    // "cannot open the access log /var/log/x.log: Permission denied").
    explicit Server(const config::Config& config, ServerOptions options = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The address actually bound, e.g. "127.0.0.1:41234" when port 0 was
    // configured, "[::1]:8080" for IPv6.
    [[nodiscard]] std::string local_address() const;
    [[nodiscard]] int io_thread_count() const;

    // Serves with `pool` until stopped and drained; returns on the calling
    // thread. Call once.
    void run(php::Pool& pool);

    // Starts the graceful stop, as a signal would. Thread-safe.
    void stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ephpm::server
