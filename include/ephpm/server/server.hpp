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

#include <memory>
#include <string>

#include "ephpm/config/config.hpp"
#include "ephpm/php/pool.hpp"

namespace ephpm::server {

struct ServerOptions {
    bool handle_signals = true; // SIGINT/SIGTERM start the graceful stop
};

// [server] io_threads = 0: half the CPUs, at least one. The io threads share
// the cores with the PHP threads (2 x CPUs by default), and scripts are where
// a PHP site spends its CPU. Measured on 2 cores with 4 PHP threads, one io
// thread against two: the HTML and include-heavy pages ran about 1.1x faster
// with one, and hello.php's p99 was half; small static files ran 1.14x faster
// with two (docs/benchmarks.md).
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
