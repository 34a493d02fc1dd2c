#pragma once
// The application as one coroutine from a complete request to a response:
// route it, then serve the static file, run the PHP script, or answer with a
// redirect or error. Knows nothing about sockets or timeouts.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ephpm/config/config.hpp"
#include "ephpm/php/pool.hpp"
#include "server/access_log.hpp"
#include "server/cgi.hpp"
#include "server/http_types.hpp"
#include "server/response.hpp"

namespace ephpm::server {

// What every request of the site shares; lives as long as the server.
struct SiteContext {
    std::filesystem::path document_root; // absolute
    std::string document_root_string;
    std::vector<std::string> index_files;
    php::Pool* pool = nullptr;
    // The [server] settings: limits, timeouts, static and fallback policy.
    config::ServerSettings settings;
    AccessLog* access_log = nullptr; // null: access logging off
};

// What the handler needs to know about the connection it serves.
struct RequestContext {
    const SiteContext* site = nullptr;
    const ConnectionInfo* connection = nullptr;
    // Server shutting down: answer with Connection: close.
    const std::atomic<bool>* stopping = nullptr;
    // This request's abort flag (fresh for each request): set by the
    // connection when the client goes away or the server gives up on it, and
    // by the PHP side when the request deadline passes. PHP sees it as a
    // client that went away (connection_aborted()).
    std::shared_ptr<std::atomic<bool>> aborted;
};

// The response's `close` says whether the connection must close after it.
boost::asio::awaitable<Response> handle_request(Request request, const RequestContext& context);

} // namespace ephpm::server
