#pragma once
// "host:port" / "[v6]:port" -> endpoints to bind.

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace ephpm::server {

// Numeric addresses are used as they are; a host name is resolved (e.g.
// "localhost:8080"). Throws std::runtime_error naming the address.
std::vector<boost::asio::ip::tcp::endpoint> resolve_listen_address(std::string_view listen);

// "127.0.0.1:8080", "[::1]:8080".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

} // namespace ephpm::server
