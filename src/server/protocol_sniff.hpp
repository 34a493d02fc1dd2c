#pragma once
// Tells an HTTP/2 connection with prior knowledge (h2c: the client starts
// with the connection preface) from HTTP/1.1 on the same port, by reading
// the first bytes of a fresh connection. The bytes read are handed on to the
// session that speaks the protocol. A TLS listener would decide by ALPN
// instead and hand the stream to the same sessions.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "server/session.hpp"

namespace ephpm::server {

inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class Protocol {
    http1,
    http2,
    undecided, // too few bytes yet (or, as a result, the connection ended first)
};

// Pure: the protocol the bytes a connection began with announce.
Protocol classify_preface(std::string_view first_bytes);

// Owns a fresh connection until its protocol is known; tracked like a
// session so that shutdown closes a connection that has not spoken yet.
class ProtocolSniffer final : public Session, public std::enable_shared_from_this<ProtocolSniffer> {
public:
    // `timeout`: how long the client may take to send enough bytes.
    ProtocolSniffer(boost::asio::ip::tcp::socket socket, std::chrono::milliseconds timeout);

    // Reads (at most until the preface's length) until the protocol is
    // known; undecided when the client went away, was too slow, or the
    // server is shutting down.
    boost::asio::awaitable<Protocol> run();

    // After run(): the connection and every byte read from it.
    boost::asio::ip::tcp::socket take_socket() { return std::move(socket_); }
    std::string take_bytes() { return std::move(bytes_); }

    void shutdown() override;
    void force_close() override { shutdown(); }

    [[nodiscard]] boost::asio::any_io_executor executor() { return socket_.get_executor(); }

private:
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer deadline_;
    std::chrono::milliseconds timeout_;
    std::string bytes_;
    bool cancelled_ = false; // shutdown came first (its io thread only)
};

} // namespace ephpm::server
