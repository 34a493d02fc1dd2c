// One hello-world request through the PHP runtime, without HTTP: the floor
// that the HTTP server adds to. Reported in µs per request.

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// The other PHP workloads of benches/compare.py, each run directly as above:
// what PHP itself costs per request, apart from HTTP. Useful to weigh a
// change to libphp's build on its own.
std::vector<std::string> g_workload_scripts; // index = the benchmark's argument

void BM_WorkloadDirect(benchmark::State& state) {
    php::ScriptJob job;
    job.script_filename = g_workload_scripts.at(static_cast<std::size_t>(state.range(0)));
    job.request_uri = "/bench.php";
    job.sink = &g_sink;
    for (auto _ : state) {
        auto result = g_runtime->execute(job);
        if (result.outcome != php::Outcome::ok) state.SkipWithError("request failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkloadDirect)
    ->ArgName("html_json_include")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

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

// include.php's 200 class files, written the way benches/compare.py writes
// them, into a fresh temporary directory beside a copy of the script.
std::string make_include_workload() {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "ephpm-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return {};
    const fs::path dir = pattern;
    // OPcache does not cache a file changed in the last 2 s
    // (opcache.file_update_protection): fresh files would measure the compiler
    // for the first 2 s of the run. They are dated an hour back.
    const auto written = fs::file_time_type::clock::now() - std::chrono::hours(1);
    fs::copy_file(EPHPM_BENCH_FIXTURES_DIR "/include.php", dir / "include.php");
    fs::last_write_time(dir / "include.php", written);
    fs::create_directory(dir / "classes");
    for (int i = 0; i < 200; ++i) {
        const std::string n = std::to_string(i);
        const fs::path file = dir / "classes" / ("BenchClass" + n + ".php");
        std::ofstream(file)
            << "<?php\nfinal class BenchClass" << n << "\n{\n    public const ID = " << n
            << ";\n    private array $data;\n\n    public function __construct()\n    {\n"
            << "        $this->data = ['id' => self::ID, 'name' => 'class " << n << "'];\n    }\n\n"
            << "    public function id(): int\n    {\n        return $this->data['id'];\n    }\n\n"
            << "    public function describe(string $prefix): string\n    {\n"
            << "        return $prefix . ' ' . $this->data['name'] . ' #' . self::ID;\n    }\n}\n";
        fs::last_write_time(file, written);
    }
    return (dir / "include.php").string();
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    php::PhpSettings settings;
    auto runtime = std::make_unique<php::Runtime>(settings, php::default_worker_count() + 1);
    g_runtime = runtime.get();
    const std::string include_script = make_include_workload();
    g_workload_scripts = {EPHPM_BENCH_FIXTURES_DIR "/html.php",
                          EPHPM_BENCH_FIXTURES_DIR "/json.php", include_script};
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (!include_script.empty()) {
        std::filesystem::remove_all(std::filesystem::path(include_script).parent_path());
    }
    return 0;
}
