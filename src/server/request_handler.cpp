#include "server/request_handler.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include <array>

#include "server/limits.hpp"
#include "server/php_exchange.hpp"
#include "server/responses.hpp"
#include "server/router.hpp"
#include "server/static_file.hpp"

namespace ephpm::server {
namespace {

// Headers PHP may set that describe the connection or the framing, which the
// server decides (the body is re-framed with our own Content-Length).
bool is_framing_header(std::string_view name) {
    static constexpr std::array<std::string_view, 5> kFraming = {
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"};
    for (std::string_view f : kFraming) {
        if (boost::beast::iequals(name, f)) return true;
    }
    return false;
}

Response php_response(BufferedResponse& sink, const php::ScriptResult& result,
                      const ReplyOptions& options) {
    if (!result.headers_sent || result.discard_output) {
        // The script never produced a response (could not start or open the
        // file), or it failed after it began one: nothing is on the wire yet
        // (the response is buffered), so the client gets the status the
        // outcome maps to and none of the half page.
        return error_response(static_cast<unsigned>(php::http_status_for(result)), options);
    }
    Response response;
    response.status = static_cast<unsigned>(result.status);
    if (result.status < 100 || result.status > 999) response.status = 500;
    std::string script_length; // a Content-Length the script set itself
    for (const auto& [name, value] : sink.headers) {
        if (!is_framing_header(name)) {
            response.fields.insert(name, value);
        } else if (boost::beast::iequals(name, "content-length")) {
            script_length = value;
        }
    }
    if (options.head) {
        // PHP discards the body of a HEAD request itself, so our buffered
        // length (0) says nothing about the GET; only the script's own
        // Content-Length, if it set one, is worth passing on.
        const bool digits = !script_length.empty() && script_length.size() < 20 &&
                            script_length.find_first_not_of("0123456789") == std::string::npos;
        if (digits) response.content_length = std::stoull(script_length);
        return finish(std::move(response), options);
    }
    response.body = std::move(sink.body);
    return finish(std::move(response), options);
}

boost::asio::awaitable<Response> run_php(Request request, const Route& route,
                                         const RequestContext& context, ReplyOptions options) {
    php::ScriptJob job =
        make_script_job(request, route, *context.connection, context.site->document_root_string);
    // Once set, the script sees a client that went away at its next output.
    job.aborted = context.aborted;
    auto exchange = std::make_shared<PhpExchange>(std::move(request.body()));
    PhpOutcome outcome = co_await run_on_pool(*context.site->pool, std::move(job), exchange);
    // The server may have started to stop while the script ran.
    options.keep_alive = options.keep_alive && !context.stopping->load();
    if (!outcome.submitted) {
        spdlog::warn("PHP pool queue full: 503 for {} {}", sv(request.method_string()),
                     sv(request.target()));
        Response busy = text_response(503, "503 Service Unavailable\n");
        busy.fields.set(http::field::retry_after, "1");
        co_return finish(std::move(busy), options);
    }
    const auto& result = outcome.result;
    if (result.outcome != php::Outcome::ok) {
        spdlog::log(
            result.outcome == php::Outcome::aborted ? spdlog::level::info : spdlog::level::warn,
            "PHP {} {}: {}", sv(request.method_string()), sv(request.target()),
            php::to_string(result.outcome));
    }
    if (exchange->response.truncated) {
        // Nothing has been sent yet (the response is buffered), so an
        // incomplete body becomes an honest 500 instead of a short page.
        spdlog::error("PHP response for {} exceeded {} bytes or memory", sv(request.target()),
                      kMaxBufferedResponseBytes);
        co_return error_response(500, options);
    }
    co_return php_response(exchange->response, result, options);
}

} // namespace

boost::asio::awaitable<Response> handle_request(Request request, const RequestContext& context) {
    ReplyOptions options;
    options.version = request.version();
    options.keep_alive = request.keep_alive() && !context.stopping->load();
    options.head = request.method() == http::verb::head;

    const SiteContext& site = *context.site;
    const Site router_site{site.document_root, site.index_files, site.settings.fallback,
                           site.settings.static_files.hidden_files};
    const Route route = server::route(request.target(), router_site);
    switch (route.kind) {
        case RouteKind::static_file:
            co_return serve_static_file(request, route.file, options, site.settings.static_files);
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
