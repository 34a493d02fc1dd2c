// One hello-world request through the PHP runtime, without HTTP: the floor
// that the HTTP server adds to. Reported in µs per request.

#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/runtime.hpp"

namespace {

using namespace ephpm;

struct DiscardSink final : php::ResponseSink {
    void on_headers(int, std::span<const php::HeaderView>) noexcept override {}
    bool on_body(std::string_view) noexcept override { return true; }
    void on_flush() noexcept override {}
};

php::Runtime* g_runtime = nullptr;
DiscardSink g_sink;

php::ScriptJob hello_job() {
    php::ScriptJob job;
    job.script_filename = EPHPM_BENCH_FIXTURES_DIR "/hello.php";
    job.request_uri = "/hello.php";
    job.sink = &g_sink;
    return job;
}

// PHP alone: the request runs on the benchmark's own thread (the one that
// started the runtime, so it has a PHP context); no queue, no hand-off.
void BM_HelloDirect(benchmark::State& state) {
    for (auto _ : state) {
        auto result = g_runtime->execute(hello_job());
        if (result.outcome != php::Outcome::ok) state.SkipWithError("request failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HelloDirect)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One request at a time on a single pool thread: latency of one request,
// including the hand-off to the pool thread and back.
void BM_HelloOneThread(benchmark::State& state) {
    php::Pool pool(*g_runtime, {1, 0});
    for (auto _ : state) {
        auto result = pool.execute(hello_job());
        if (result.outcome != php::Outcome::ok) state.SkipWithError("request failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HelloOneThread)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Batches of requests on every PHP thread: throughput of the pool. Time per
// iteration / batch size = µs per request.
void BM_HelloAllThreads(benchmark::State& state) {
    const int threads = php::default_worker_count();
    const int batch = threads * 16;
    const php::ScriptJob job = hello_job(); // borrowed by every submit: outlives the pool
    php::Pool pool(*g_runtime, {threads, static_cast<std::size_t>(batch)});
    std::mutex mutex;
    std::condition_variable done;
    for (auto _ : state) {
        int remaining = batch;
        for (int i = 0; i < batch; ++i) {
            pool.try_submit(job, [&](php::ScriptResult) {
                std::lock_guard lock(mutex);
                if (--remaining == 0) done.notify_one();
            });
        }
        std::unique_lock lock(mutex);
        done.wait(lock, [&] { return remaining == 0; });
    }
    state.SetItemsProcessed(state.iterations() * batch);
    state.counters["threads"] = threads;
    // Requests per second, inverted: seconds per request (printed as "12.3us").
    state.counters["per_request"] =
        benchmark::Counter(static_cast<double>(state.iterations() * batch),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_HelloAllThreads)->Unit(benchmark::kMicrosecond)->UseRealTime();

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    php::PhpSettings settings;
    auto runtime = std::make_unique<php::Runtime>(settings, php::default_worker_count() + 1);
    g_runtime = runtime.get();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
