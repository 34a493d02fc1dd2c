#include "server/request_handler.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include <array>
#include <filesystem>

#include "server/php_exchange.hpp"
#include "server/responses.hpp"
#include "server/router.hpp"
#include "server/static_file.hpp"

namespace ephpm::server {
namespace {

boost::asio::awaitable<Response> run_php(Request request, const Route& route,
                                         const RequestContext& context, ReplyOptions options) {
    const SiteContext& site = *context.site;
    PhpRun run;
    run.pool = site.pool;
    run.job = make_script_job(request, route, *context.connection, site.router.document_root);
    run.body = std::move(request.body()).into_source();
    run.aborted = context.watch->watch_client();
    if (const auto limit = site.settings.timeouts.request; limit.count() > 0) {
        run.deadline = std::chrono::steady_clock::now() + limit;
    }
    run.method = sv(request.method_string());
    run.target = sv(request.target());
    Response response = co_await run_php_script(std::move(run), options);
    // The server may have started to stop while the script ran.
    if (context.stopping->load()) response.close = true;
    co_return response;
}

// "/srv/www/" and "/srv/www/." both mean "/srv/www": the router and
// SCRIPT_FILENAME join paths to it.
std::string clean_root(const std::string& root) {
    std::filesystem::path path = std::filesystem::path(root).lexically_normal();
    std::string text = path.native();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text;
}

} // namespace

SiteContext::SiteContext(config::ServerSettings server_settings)
    : settings(std::move(server_settings)),
      router{clean_root(settings.document_root), settings.index_files, settings.fallback,
             settings.static_files.hidden_files} {}

boost::asio::awaitable<Response> handle_request(Request request, const RequestContext& context) {
    ReplyOptions options;
    options.version = request.version();
    options.keep_alive = request.keep_alive() && !context.stopping->load();
    options.head = request.method() == http::verb::head;

    const SiteContext& site = *context.site;
    const Route route = server::route(request.target(), site.router);
    switch (route.kind) {
        case RouteKind::static_file:
            co_return serve_static_file(request, {route.file, route.stamp, &site.file_cache},
                                        options, site.settings.static_files);
        case RouteKind::php_script:
            co_return co_await run_php(std::move(request), route, context, options);
        case RouteKind::redirect:
            co_return redirect_response(static_cast<unsigned>(route.status), route.location,
                                        options);
        case RouteKind::error:
            break;
    }
    co_return error_response(static_cast<unsigned>(route.status), options);
}

} // namespace ephpm::server
