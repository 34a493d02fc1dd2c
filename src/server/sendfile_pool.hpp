#pragma once
// Threads that run sendfile(2) for large files, so that the io threads are
// not the only cores copying file pages into sockets. On loopback a 1 MiB
// sendfile also runs the receiver's TCP input in the sender's system call,
// so an io thread sends one large response at a time; with fewer io threads
// than CPUs (`[server] io_threads`) the other cores would sit partly idle.
// These threads wake only for large files.
//
// A file goes to the pool only while one of its threads is idle; otherwise
// the io thread sends it itself (Http1Writer). The server gives the pool one
// thread per CPU that has no io thread (at least one), so under load as many
// files are sent at once as there are CPUs, the way nginx's one worker per
// CPU does, and the io threads' share of them without a hand-off (two
// wake-ups, a dup and a close).
//
// The threads start with the first job: a server that never sends a large
// file never pays for them.

#include <sys/types.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ephpm::server {

class SendfilePool {
public:
    // `threads` is clamped to 1..8; the server passes the CPUs its io threads leave.
    explicit SendfilePool(int threads);
    ~SendfilePool(); // waits for jobs in flight, joins the threads
    SendfilePool(const SendfilePool&) = delete;
    SendfilePool& operator=(const SendfilePool&) = delete;

    struct Outcome {
        ssize_t sent = -1; // sendfile's result
        int error = 0;     // errno when sent < 0
    };

    // One sendfile(socket, file, offset, count) on a pool thread; completes
    // on the handler's associated executor (a coroutine's own), which is
    // kept busy until then. The socket must be non-blocking, so the job
    // never waits for the peer. The pool works on its own duplicate of the
    // socket descriptor: a connection closed meanwhile cannot have its
    // descriptor number reused under the job.
    template <class Token>
    auto async_sendfile(int socket, int file, off_t offset, std::size_t count, Token&& token) {
        return boost::asio::async_initiate<Token, void(Outcome)>(
            [this, socket, file, offset, count](auto handler) {
                start(socket, file, offset, count, std::move(handler));
            },
            token);
    }

    [[nodiscard]] int thread_count() const noexcept { return thread_count_; }
    // Whether a job handed over now would find a thread waiting for it.
    // When none would, the caller sends the file itself: a queued job only
    // adds its hand-off to the wait.
    [[nodiscard]] bool has_idle_thread() const noexcept {
        return in_flight_.load(std::memory_order_relaxed) < thread_count_;
    }

private:
    // Runs on a pool thread and closes `socket_copy`; a negative copy is
    // the errno of the failed duplication.
    static Outcome run_job(int socket_copy, int file, off_t offset, std::size_t count);
    boost::asio::io_context& started();
    // A close-on-exec duplicate of `socket`, or -errno.
    static int duplicate(int socket) noexcept;

    template <class Handler>
    void start(int socket, int file, off_t offset, std::size_t count, Handler handler) {
        // Keeps the caller's io_context running until the result is back.
        auto home = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        // Threads first: should starting them throw, no duplicate is left open.
        boost::asio::io_context& jobs = started();
        const int socket_copy = duplicate(socket);
        in_flight_.fetch_add(1, std::memory_order_relaxed);
        boost::asio::post(jobs, [this, socket_copy, file, offset, count,
                                 handler = std::move(handler), home = std::move(home)]() mutable {
            const Outcome outcome = run_job(socket_copy, file, offset, count);
            in_flight_.fetch_sub(1, std::memory_order_relaxed);
            auto executor = home.get_executor();
            boost::asio::post(executor,
                              [handler = std::move(handler), outcome,
                               home = std::move(home)]() mutable { std::move(handler)(outcome); });
        });
    }

    int thread_count_;
    std::atomic<int> in_flight_{0};
    std::once_flag start_once_;
    boost::asio::io_context jobs_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> idle_;
    std::vector<std::thread> threads_;
};

} // namespace ephpm::server
