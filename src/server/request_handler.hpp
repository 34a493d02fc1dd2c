#pragma once
// The application as one coroutine from a complete request to a response:
// route it, then serve the static file, run the PHP script, or answer with a
// redirect or error. Knows nothing about sockets or timeouts.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>

#include "ephpm/config/config.hpp"
#include "ephpm/php/pool.hpp"
#include "server/access_log.hpp"
#include "server/cgi.hpp"
#include "server/http_types.hpp"
#include "server/response.hpp"
#include "server/router.hpp"
#include "server/sendfile_pool.hpp"
#include "server/static_file_cache.hpp"

namespace ephpm::server {

// What every request of the site shares; lives as long as the server and is
// built once, so no request copies the document root or the index list.
struct SiteContext {
    // `router.document_root` is `settings.document_root` normalised (no
    // trailing slash).
    explicit SiteContext(config::ServerSettings server_settings);
    SiteContext(const SiteContext&) = delete;
    SiteContext& operator=(const SiteContext&) = delete;

    // The [server] settings: limits, timeouts, static and fallback policy.
    const config::ServerSettings settings;
    // The router's view of the settings (spans into `settings`).
    const Site router;
    php::Pool* pool = nullptr;
    // Small static files, checked against the router's stat on every use.
    mutable StaticFileCache file_cache;
    AccessLog* access_log = nullptr;       // null: access logging off
    SendfilePool* sendfile_pool = nullptr; // null: io threads send files themselves
};

// A connection (HTTP/1.1) or stream (HTTP/2) that notices, while a script
// runs, that its client went away; HTTP/1.1 keeps a read pending on the
// socket for that. Started only for scripts: a static response needs no
// watch and does not pay for one.
class ClientWatch {
public:
    // Starts watching; returns this request's fresh abort flag, set when the
    // client goes away (the connection stops watching once the response is
    // written).
    virtual std::shared_ptr<std::atomic<bool>> watch_client() = 0;

protected:
    ~ClientWatch() = default;
};

// What the handler needs to know about the connection it serves.
struct RequestContext {
    const SiteContext* site = nullptr;
    const ConnectionInfo* connection = nullptr;
    // Server shutting down: answer with Connection: close.
    const std::atomic<bool>* stopping = nullptr;
    // Hands out a script's abort flag (fresh for each request): set by the
    // connection when the client goes away or the server gives up on it, and
    // by the PHP side when the request deadline passes. PHP sees it as a
    // client that went away (connection_aborted()). Required for scripts.
    ClientWatch* watch = nullptr;
};

// The response's `close` says whether the connection must close after it.
boost::asio::awaitable<Response> handle_request(Request request, const RequestContext& context);

} // namespace ephpm::server
