#pragma once
// A fixed set of threads, each with its own PHP context for its whole life,
// fed from one bounded queue. PHP never runs on the caller's thread.
//
// A job submitted while a thread is idle goes straight to that thread (the
// one idle for the shortest time, whose caches are warmest) and wakes it
// alone; the queue only holds jobs while every thread is busy.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ephpm/php/runtime.hpp"
#include "ephpm/php/script.hpp"

namespace ephpm::php {

struct PoolOptions {
    int threads = 0;                // 0: default_worker_count()
    std::size_t queue_capacity = 0; // 0: 64 x threads
};

class Pool {
public:
    using Completion = std::function<void(ScriptResult)>;

    Pool(const Runtime& runtime, PoolOptions options);
    // Finishes every queued job, then joins the threads.
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Queues a job; `done` runs on the PHP thread when it finished. Returns
    // false (and never calls `done`) when the queue is full: overload.
    // The job is borrowed: it must stay alive until `done` was called (or
    // try_submit returned false). So the strings the submitting thread
    // allocated are freed there too, not on the PHP thread: memory that
    // crosses threads costs glibc malloc its slow, locking path twice.
    bool try_submit(const ScriptJob& job, Completion done);

    // Blocking convenience: submits and waits. An overload comes back as
    // Outcome::overloaded.
    ScriptResult execute(ScriptJob job);

    [[nodiscard]] int thread_count() const noexcept { return static_cast<int>(threads_.size()); }

private:
    struct Task {
        const ScriptJob* job;
        Completion done;
    };
    struct Worker; // one per thread: where it sleeps and the job handed to it
    void worker_loop(Worker& me);
    // Blocks until there is a job for `me`; nullopt once the pool stops.
    std::optional<Task> next_task(Worker& me);

    const Runtime& runtime_;
    std::size_t capacity_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::mutex mutex_;
    std::deque<Task> queue_;    // under mutex_
    std::vector<Worker*> idle_; // under mutex_: parked threads, most recent last
    bool stopping_ = false;     // under mutex_
    std::vector<std::thread> threads_;
};

} // namespace ephpm::php
