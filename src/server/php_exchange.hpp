#pragma once
// One PHP request crossing from the io thread to a pool thread and back:
// the request body PHP reads, and the run that ends in a Response.
//
// The io side builds the job, the pool runs it on a PHP thread, and the PHP
// side hands the response over through a PhpResponseStream (see there for
// the fast path, streaming and backpressure): the socket is never touched
// from a PHP thread and PHP never runs on an io thread.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/script.hpp"
#include "server/response.hpp"
#include "server/responses.hpp"

namespace ephpm::server {

struct PhpRun {
    php::Pool* pool = nullptr;
    php::ScriptJob job;
    std::unique_ptr<php::BodySource> body; // null: empty body
    // Set by the connection when the client goes away; set here when the
    // request deadline passes. The script sees it as connection_aborted().
    std::shared_ptr<std::atomic<bool>> aborted;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // For log lines ("GET /x.php"), formatted only when one is written:
    // views into the request, which outlives the run.
    std::string_view method;
    std::string_view target;
};

// Runs the script and answers with its response: whole with Content-Length
// when it finished without streaming, as a BodyStream once it flushed or
// produced more than a coalescing buffer, 503 + Retry-After when the pool's
// queue is full, 504 when the deadline passed before anything was sent, and
// http_status_for() when the script failed before its output went out.
boost::asio::awaitable<Response> run_php_script(PhpRun run, const ReplyOptions& options);

} // namespace ephpm::server
