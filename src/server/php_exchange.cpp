#include "server/php_exchange.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <cstring>

#include "server/php_response_stream.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;

// Headers PHP may set that describe the connection or the framing, which the
// server decides (the body is re-framed by the connection).
bool is_framing_header(std::string_view name) {
    static constexpr std::array<std::string_view, 5> kFraming = {
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"};
    for (std::string_view f : kFraming) {
        if (boost::beast::iequals(name, f)) return true;
    }
    return false;
}

// Status and end-to-end headers as the script sent them.
Response script_head(const PhpResponseStream::Head& head, std::string* script_length) {
    Response response;
    response.status = static_cast<unsigned>(head.status);
    if (head.status < 100 || head.status > 999) response.status = 500;
    for (const auto& field : head.fields) {
        const std::string_view name = head.name(field);
        if (!is_framing_header(name)) {
            response.fields.insert(name, head.value(field));
        } else if (boost::beast::iequals(name, "content-length")) {
            *script_length = head.value(field);
        }
    }
    return response;
}

void log_outcome(const php::ScriptResult& result, const PhpRun& run) {
    if (result.outcome == php::Outcome::ok) return;
    spdlog::log(result.outcome == php::Outcome::aborted ? spdlog::level::info : spdlog::level::warn,
                "PHP {} {}: {}", run.method, run.target, php::to_string(result.outcome));
}

} // namespace

asio::awaitable<Response> run_php_script(PhpRun run, const ReplyOptions& options) {
    auto stream = std::make_shared<PhpResponseStream>(
        co_await asio::this_coro::executor, run.aborted, run.deadline, std::move(run.body));
    if (!stream->submit(*run.pool, std::move(run.job))) {
        spdlog::warn("PHP pool queue full: 503 for {} {}", run.method, run.target);
        Response busy = text_response(503, "503 Service Unavailable\n");
        busy.fields.set(boost::beast::http::field::retry_after, "1");
        co_return finish(std::move(busy), options);
    }
    switch (co_await stream->wait_for_response()) {
        case PhpResponseStream::First::timed_out:
            spdlog::warn("PHP {} {}: request timeout before any output: 504", run.method,
                         run.target);
            co_return error_response(504, options);
        case PhpResponseStream::First::streaming: {
            // Headers (and maybe body bytes) go out now; the rest follows as
            // PHP produces it. What the script says its length is cannot be
            // trusted for a body still being produced, so it is dropped.
            std::string ignored;
            Response response = script_head(stream->take_head(), &ignored);
            response.body = std::shared_ptr<BodyStream>(stream);
            co_return finish(std::move(response), options);
        }
        case PhpResponseStream::First::finished:
            break;
    }
    const php::ScriptResult result = stream->result();
    log_outcome(result, run);
    PhpResponseStream::Head head = stream->take_head();
    if (!head.headers_sent || result.discard_output) {
        // The script never produced a response (could not start or open the
        // file), or it failed before any of it went out: the client gets the
        // status the outcome maps to and none of the half page.
        co_return error_response(static_cast<unsigned>(php::http_status_for(result)), options);
    }
    std::string script_length; // a Content-Length the script set itself
    Response response = script_head(head, &script_length);
    if (options.head) {
        // PHP discards the body of a HEAD request itself, so our length (0)
        // says nothing about the GET; only the script's own Content-Length,
        // if it set one, is worth passing on.
        const bool digits = !script_length.empty() && script_length.size() < 20 &&
                            script_length.find_first_not_of("0123456789") == std::string::npos;
        if (digits) response.content_length = std::stoull(script_length);
        co_return finish(std::move(response), options);
    }
    response.body = stream->take_body();
    co_return finish(std::move(response), options);
}

} // namespace ephpm::server
