#pragma once
// A fixed set of threads, each with its own PHP context for its whole life,
// fed from one bounded queue. PHP never runs on the caller's thread.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
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
    bool try_submit(ScriptJob job, Completion done);

    // Blocking convenience: submits and waits. An overload comes back as
    // Outcome::overloaded.
    ScriptResult execute(ScriptJob job);

    [[nodiscard]] int thread_count() const noexcept { return static_cast<int>(threads_.size()); }

private:
    struct Task {
        ScriptJob job;
        Completion done;
    };
    void worker_loop();

    const Runtime& runtime_;
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    int sleeping_ = 0; // threads waiting on ready_ (under mutex_)
    std::vector<std::thread> threads_;
};

} // namespace ephpm::php
