#include "server/protocol_sniff.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>

namespace ephpm::server {

namespace asio = boost::asio;

Protocol classify_preface(std::string_view first_bytes) {
    const std::size_t n = std::min(first_bytes.size(), kHttp2Preface.size());
    if (first_bytes.substr(0, n) != kHttp2Preface.substr(0, n)) return Protocol::http1;
    return n == kHttp2Preface.size() ? Protocol::http2 : Protocol::undecided;
}

ProtocolSniffer::ProtocolSniffer(asio::ip::tcp::socket socket, std::chrono::milliseconds timeout)
    : socket_(std::move(socket)), deadline_(socket_.get_executor()), timeout_(timeout) {}

void ProtocolSniffer::shutdown() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->cancelled_ = true;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
    });
}

asio::awaitable<Protocol> ProtocolSniffer::run() {
    // The timer cancels the read rather than racing it: both run on the
    // connection's io thread.
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) return;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
    });
    Protocol protocol = Protocol::undecided;
    std::array<char, 4096> chunk{};
    // Each read brings at least one byte and the loop ends once the preface's
    // length is reached, so it runs at most kHttp2Preface.size() times.
    while (protocol == Protocol::undecided && !cancelled_) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk),
                                                        asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        bytes_.append(chunk.data(), n);
        protocol = classify_preface(bytes_);
    }
    deadline_.cancel();
    co_return protocol;
}

} // namespace ephpm::server
