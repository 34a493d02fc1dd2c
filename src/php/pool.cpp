#include "ephpm/php/pool.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace ephpm::php {

Pool::Pool(const Runtime& runtime, PoolOptions options) : runtime_(runtime) {
    const int count = options.threads > 0 ? options.threads : default_worker_count();
    capacity_ =
        options.queue_capacity > 0 ? options.queue_capacity : static_cast<std::size_t>(64) * count;
    threads_.reserve(count);
    for (int i = 0; i < count; ++i) threads_.emplace_back([this] { worker_loop(); });
}

Pool::~Pool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
}

bool Pool::try_submit(ScriptJob job, Completion done) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= capacity_) return false;
        queue_.push_back({std::move(job), std::move(done)});
        // A thread that is not waiting checks the queue before it waits, so
        // only a sleeping one needs the (system call) wake-up.
        wake = sleeping_ > 0;
    }
    if (wake) ready_.notify_one();
    return true;
}

ScriptResult Pool::execute(ScriptJob job) {
    std::promise<ScriptResult> promise;
    auto future = promise.get_future();
    if (!try_submit(std::move(job), [&promise](ScriptResult r) { promise.set_value(r); })) {
        ScriptResult overloaded;
        overloaded.outcome = Outcome::overloaded;
        return overloaded;
    }
    return future.get();
}

void Pool::worker_loop() {
    ThreadScope php_context;
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            while (!stopping_ && queue_.empty()) {
                ++sleeping_;
                ready_.wait(lock);
                --sleeping_;
            }
            if (queue_.empty()) return; // stopping, and every job is done
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        bool tainted = false;
        ScriptResult result = runtime_.execute(task.job, &tainted);
        if (tainted) {
            spdlog::warn("PHP thread could not clean up after {} {} ({}); replacing its context",
                         task.job.method, task.job.request_uri, to_string(result.outcome));
            php_context.renew();
        }
        if (task.done) task.done(result);
    }
}

} // namespace ephpm::php
