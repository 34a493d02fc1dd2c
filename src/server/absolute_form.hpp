#pragma once
// RFC 9112 §3.2.2: a request whose target is in absolute-form
// ("GET http://example.com/a?b HTTP/1.1") names its host in the target, and
// that host wins over the Host field. The session rewrites such a request to
// origin-form with the target's authority as Host, so everything after it
// (routing, REQUEST_URI, HTTP_HOST) sees one consistent request.

#include <optional>
#include <string_view>

#include "server/http_types.hpp"

namespace ephpm::server {

struct AbsoluteForm {
    std::string_view authority;   // "example.com:8080"
    std::string_view origin_form; // "/a?b" ("/" when the path is empty)
};

// nullopt when `target` is not an http(s) absolute-form target (origin-form,
// "*", anything else); the authority may come back empty (the caller refuses).
std::optional<AbsoluteForm> parse_absolute_form(std::string_view target) noexcept;

// Applies the rewrite. Returns false for an absolute-form target without an
// authority, which deserves a 400.
bool adopt_absolute_form(Request& request);

} // namespace ephpm::server
