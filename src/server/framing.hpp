#pragma once
// Request framing checks that Beast's parser leaves to us (RFC 9112 §6.1,
// §6.3; RFC 9110 §10.1.1). A proxy in front of us may resolve an ambiguous
// message length differently than we do; the difference lets an attacker
// hide a second request inside the first ("request smuggling"). So every
// request whose length is not stated exactly one way is refused, and the
// connection is closed rather than resynchronised.

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>

#include <optional>

#include "server/http_types.hpp"

namespace ephpm::server {

// nullopt when the request's Content-Length / Transfer-Encoding fields state
// its body length unambiguously; otherwise the status to refuse it with:
// 400 for both fields, a repeated or malformed Content-Length, or a malformed
// or repeated coding; 501 for a transfer coding other than chunked.
std::optional<http::status> check_message_framing(const http::fields& fields);

// RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding must be treated
// as having faulty framing (even with a Content-Length): 400, then close.
std::optional<http::status> check_version_framing(unsigned version, const http::fields& fields);

// nullopt when every Expect member is 100-continue (or there is none);
// otherwise 417 (RFC 9110 §10.1.1 allows refusing unknown expectations, and
// guessing what the client waits for is worse).
std::optional<http::status> check_expectation(const http::fields& fields);

// Whether the request asks for "100 Continue" before it sends its body.
bool expects_continue(const http::fields& fields);

} // namespace ephpm::server
