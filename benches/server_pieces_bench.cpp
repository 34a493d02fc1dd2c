// The pure pieces every HTTP request goes through before or after PHP:
// routing, the CGI/1.1 variables of the ScriptJob, and the headers of a
// response the server makes itself. Each one runs once per request, so
// these numbers are a share of the per-request CPU the load harness
// (benches/compare.sh) measures.

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <utility>

#include "server/cgi.hpp"
#include "server/http1_writer.hpp"
#include "server/http_date.hpp"
#include "server/responses.hpp"
#include "server/router.hpp"

namespace {

using namespace ephpm::server;

// A document root in memory: routing cost without the file system's.
class MapProbe final : public FileProbe {
public:
    explicit MapProbe(std::map<std::string, FileKind> entries) : entries_(std::move(entries)) {}
    FileKind kind(const std::string& path) const noexcept override {
        auto it = entries_.find(path);
        return it == entries_.end() ? FileKind::missing : it->second;
    }

private:
    std::map<std::string, FileKind> entries_;
};

const std::string kRoot = "/srv/site";
const std::string kIndexFiles[] = {"index.php", "index.html"};

const MapProbe& probe() {
    static const MapProbe instance({
        {kRoot, FileKind::directory},
        {kRoot + "/index.php", FileKind::regular},
        {kRoot + "/hello.php", FileKind::regular},
        {kRoot + "/assets", FileKind::directory},
        {kRoot + "/assets/app.css", FileKind::regular},
    });
    return instance;
}

Site site() { return Site{kRoot, kIndexFiles}; }

void route_target(benchmark::State& state, std::string_view target) {
    const Site s = site();
    for (auto _ : state) {
        Route r = route(target, s, probe());
        benchmark::DoNotOptimize(r);
    }
}

void BM_RoutePhpScript(benchmark::State& state) { route_target(state, "/hello.php?name=x"); }
BENCHMARK(BM_RoutePhpScript);

void BM_RouteStaticFile(benchmark::State& state) { route_target(state, "/assets/app.css"); }
BENCHMARK(BM_RouteStaticFile);

// A pretty URL of a front-controller application: every segment is looked
// up before the request falls back to /index.php.
void BM_RouteFallbackToIndex(benchmark::State& state) {
    route_target(state, "/blog/2024/03/my-post/?page=2");
}
BENCHMARK(BM_RouteFallbackToIndex);

void BM_RouteEncodedTarget(benchmark::State& state) {
    route_target(state, "/assets/%61pp.css?v=%20%2F");
}
BENCHMARK(BM_RouteEncodedTarget);

// What a browser sends: ten header fields.
Request browser_request() {
    Request request{http::verb::get, "/hello.php?name=world&page=2", 11};
    request.set(http::field::host, "127.0.0.1:8080");
    request.set(http::field::user_agent,
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    request.set(http::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8");
    request.set(http::field::accept_language, "en-US,en;q=0.5");
    request.set(http::field::accept_encoding, "gzip, deflate, br");
    request.set(http::field::connection, "keep-alive");
    request.insert(http::field::cookie, "session=abc123");
    request.insert(http::field::cookie, "theme=dark");
    request.set(http::field::referer, "http://127.0.0.1:8080/");
    request.set(http::field::cache_control, "max-age=0");
    return request;
}

void BM_MakeScriptJob(benchmark::State& state) {
    const Request request = browser_request();
    const Route r = route("/hello.php?name=world&page=2", site(), probe());
    const ConnectionInfo connection{"127.0.0.1", 8080, "127.0.0.1", 54321};
    for (auto _ : state) {
        auto job = make_script_job(request, r, connection, kRoot);
        benchmark::DoNotOptimize(job);
    }
}
BENCHMARK(BM_MakeScriptJob);

// A response the server writes itself, through to the bytes of its HTTP/1.1
// header (status line, Content-Type, Date, Content-Length, Connection).
void BM_ErrorResponseHeader(benchmark::State& state) {
    const ReplyOptions options;
    const std::string date(http_date_now());
    for (auto _ : state) {
        Response response = error_response(404, options);
        const Framing framing = framing_for(response, 11);
        std::string head = format_response_head(response, 11, framing, false, date);
        benchmark::DoNotOptimize(head);
    }
}
BENCHMARK(BM_ErrorResponseHeader);

} // namespace

BENCHMARK_MAIN();
