#include "server/listen_address.hpp"

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <stdexcept>

namespace ephpm::server {

namespace asio = boost::asio;
using asio::ip::tcp;

std::vector<tcp::endpoint> resolve_listen_address(std::string_view listen) {
    auto fail = [listen](std::string_view why) {
        return std::runtime_error(fmt::format("invalid listen address \"{}\": {}", listen, why));
    };
    std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) throw fail("expected host:port");
    std::string_view host = listen.substr(0, colon);
    std::string_view port_text = listen.substr(colon + 1);
    if (host.starts_with('[')) {
        if (!host.ends_with(']')) throw fail("unbalanced '['");
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        throw fail("bad port");
    }
    if (host.empty()) host = "0.0.0.0";

    boost::system::error_code parse_ec;
    auto address = asio::ip::make_address(std::string(host), parse_ec);
    if (!parse_ec) return {tcp::endpoint(address, static_cast<unsigned short>(port))};

    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code resolve_ec;
    auto results = resolver.resolve(std::string(host), std::string(port_text),
                                    tcp::resolver::passive, resolve_ec);
    if (resolve_ec) throw fail(resolve_ec.message());
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    if (endpoints.empty()) throw fail("host name has no address");
    return endpoints;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    if (endpoint.address().is_v6()) {
        return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
    }
    return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

} // namespace ephpm::server
