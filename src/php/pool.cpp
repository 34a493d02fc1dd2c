#include "ephpm/php/pool.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "php/thread_parker.hpp"
#include "thread_name.hpp"

namespace ephpm::php {

struct Pool::Worker {
    ThreadParker parker;
    // Written under the pool's mutex by whoever takes this worker off idle_,
    // before unpark(); read by the worker after park() returns.
    std::optional<Task> handed;
};

Pool::Pool(const Runtime& runtime, PoolOptions options) : runtime_(runtime) {
    const int count = options.threads > 0 ? options.threads : default_worker_count();
    capacity_ =
        options.queue_capacity > 0 ? options.queue_capacity : static_cast<std::size_t>(64) * count;
    workers_.reserve(count);
    idle_.reserve(count);
    threads_.reserve(count);
    for (int i = 0; i < count; ++i) {
        workers_.push_back(std::make_unique<Worker>());
        threads_.emplace_back([this, &worker = *workers_.back()] { worker_loop(worker); });
        name_thread(threads_.back(), "php-" + std::to_string(i));
    }
}

Pool::~Pool() {
    std::vector<Worker*> parked;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        parked.swap(idle_);
    }
    // Woken with no job, each finds the queue empty and the pool stopping;
    // busy threads find the same once the queue is drained.
    for (Worker* w : parked) w->parker.unpark();
    for (auto& t : threads_) t.join();
}

bool Pool::try_submit(const ScriptJob& job, Completion done) {
    Worker* idle = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        if (!idle_.empty()) {
            idle = idle_.back();
            idle_.pop_back();
            idle->handed.emplace(Task{&job, std::move(done)});
        } else {
            if (queue_.size() >= capacity_) return false;
            queue_.push_back({&job, std::move(done)});
        }
    }
    if (idle) idle->parker.unpark();
    return true;
}

ScriptResult Pool::execute(ScriptJob job) {
    std::promise<ScriptResult> promise;
    auto future = promise.get_future();
    if (!try_submit(job, [&promise](ScriptResult r) { promise.set_value(r); })) {
        ScriptResult overloaded;
        overloaded.outcome = Outcome::overloaded;
        return overloaded;
    }
    return future.get();
}

std::optional<Pool::Task> Pool::next_task(Worker& me) {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (!queue_.empty()) {
                Task task = std::move(queue_.front());
                queue_.pop_front();
                return task;
            }
            if (stopping_) return std::nullopt; // and every job is done
            idle_.push_back(&me);
        }
        me.parker.park();
        if (me.handed) {
            std::optional<Task> task = std::move(me.handed);
            me.handed.reset();
            return task;
        }
        // Woken without a job: the pool is stopping; look once more.
    }
}

void Pool::worker_loop(Worker& me) {
    ThreadScope php_context;
    while (std::optional<Task> task = next_task(me)) {
        bool tainted = false;
        ScriptResult result = runtime_.execute(*task->job, &tainted);
        if (tainted) {
            spdlog::warn("PHP thread could not clean up after {} {} ({}); replacing its context",
                         task->job->method, task->job->request_uri, to_string(result.outcome));
            php_context.renew();
        }
        if (task->done) task->done(result);
    }
}

} // namespace ephpm::php
