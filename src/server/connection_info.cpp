#include "server/connection_info.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;

std::string address_text(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
}

} // namespace

ConnectionInfo describe_connection(const asio::ip::tcp::socket& socket) {
    ConnectionInfo info;
    boost::system::error_code ec;
    const auto local = socket.local_endpoint(ec);
    if (!ec) {
        info.local_address = address_text(local.address());
        info.local_port = local.port();
    }
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) {
        info.remote_address = address_text(remote.address());
        info.remote_port = remote.port();
    }
    return info;
}

} // namespace ephpm::server
