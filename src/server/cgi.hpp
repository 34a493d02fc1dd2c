#pragma once
// Request + route -> php::ScriptJob with the CGI/1.1 meta-variables PHP
// applications expect in $_SERVER (what nginx's fastcgi_params and php-fpm
// give them). Pure: no I/O, no PHP, so it is unit-tested on its own.

#include <string>

#include "ephpm/php/script.hpp"
#include "server/http_types.hpp"
#include "server/router.hpp"

namespace ephpm::server {

// The two ends of the TCP connection, as text for $_SERVER.
struct ConnectionInfo {
    std::string local_address; // SERVER_ADDR
    unsigned short local_port = 0;
    std::string remote_address; // REMOTE_ADDR
    unsigned short remote_port = 0;
};

// Everything but sink and body, which the caller owns and attaches.
//  - HTTP_* for each request header: upper-cased, '-' -> '_'; repeats joined
//    with ", " (Cookie with "; "). Names containing '_' are dropped (they
//    would collide with the '-' form: nginx's underscores_in_headers off),
//    and so is Proxy (httpoxy: HTTP_PROXY would be read as a proxy setting).
//    Content-Type and Content-Length appear only as CONTENT_TYPE/LENGTH.
//  - PATH_INFO only when non-empty; HTTPS never (no TLS yet).
//  - REQUEST_URI is the target as received; QUERY_STRING is its query, or
//    the rewritten one when the router rewrote the request internally.
php::ScriptJob make_script_job(const Request& request, const Route& route,
                               const ConnectionInfo& connection, const std::string& document_root);

} // namespace ephpm::server
