#pragma once
// The two ends of an accepted TCP connection as $_SERVER and the access log
// show them; shared by both protocols' sessions.

#include <boost/asio/ip/tcp.hpp>

#include "server/cgi.hpp"

namespace ephpm::server {

// Addresses as text; a dual-stack listener's ::ffff:a.b.c.d becomes a.b.c.d.
// Fields stay empty (port 0) for an end the socket cannot report.
ConnectionInfo describe_connection(const boost::asio::ip::tcp::socket& socket);

} // namespace ephpm::server
