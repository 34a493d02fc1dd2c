#include "server/http2_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstring>
#include <stdexcept>

namespace ephpm::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

config::ServerSettings root_settings() {
    config::ServerSettings settings;
    settings.document_root = "/";
    return settings;
}

} // namespace

Http2Server::Http2Server(server::Http2Handler handler, server::Http2Limits limits)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      site_(root_settings()),
      handler_(std::move(handler)),
      limits_(limits) {
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept(
        asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            auto session = std::make_shared<server::Http2Session>(
                std::move(socket), std::string(), site_, stopping_, handler_, limits_);
            {
                std::lock_guard lock(mutex_);
                session_ = session;
            }
            asio::co_spawn(session->executor(), session->run(),
                           [this, session](std::exception_ptr) { ended_ = true; });
        });
    thread_ = std::thread([this] { io_.run(); });
}

Http2Server::~Http2Server() { stop(); }

void Http2Server::stop() {
    if (!thread_.joinable()) return;
    if (auto s = session()) s->force_close();
    // Handlers a test left waiting would keep run() going: stop it.
    wait_ended(std::chrono::seconds(2));
    io_.stop();
    thread_.join();
}

std::shared_ptr<server::Http2Session> Http2Server::session() {
    std::lock_guard lock(mutex_);
    return session_;
}

bool Http2Server::wait_ended(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Polling a flag set on the io thread: there is nothing to block on
    // across the two threads, and the loop is bounded by the deadline.
    while (!ended_ && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return ended_;
}

Http2Client::Http2Client(int port, std::vector<nghttp2_settings_entry> settings, bool manual_window)
    : auto_consume_(!manual_window) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
        throw std::runtime_error("cannot connect");

    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &on_close);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    if (manual_window) nghttp2_option_set_no_auto_window_update(option, 1);
    nghttp2_session_client_new2(&session_, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

Http2Client::~Http2Client() {
    nghttp2_session_del(session_);
    if (fd_ >= 0) ::close(fd_);
}

std::int32_t Http2Client::request(const std::string& method, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::optional<std::string> body) {
    return submit(method, path, headers, std::move(body), true);
}

std::int32_t Http2Client::open_request(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers) {
    const std::int32_t id = submit(method, path, headers, std::nullopt, false);
    flush(); // nghttp2 opens the stream as it sends HEADERS; DATA needs it open
    return id;
}

std::int32_t Http2Client::submit(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::optional<std::string> body, bool end_stream) {
    std::vector<std::pair<std::string, std::string>> all = {
        {":method", method}, {":path", path}, {":scheme", "http"}, {":authority", "example.test"}};
    all.insert(all.end(), headers.begin(), headers.end());
    std::vector<nghttp2_nv> nva;
    for (auto& [name, value] : all) {
        nva.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                       reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                       NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = &read_body;
    const std::int32_t id = end_stream
                                ? nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                                         body ? &provider : nullptr, nullptr)
                                : nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, -1, nullptr,
                                                         nva.data(), nva.size(), nullptr);
    if (id < 0) throw std::runtime_error(nghttp2_strerror(id));
    if (body) bodies_[id] = {std::move(*body), 0};
    streams[id];
    return id;
}

void Http2Client::send_body_part(std::int32_t stream_id, std::string bytes, bool last) {
    bodies_[stream_id] = {std::move(bytes), 0};
    nghttp2_data_provider provider{};
    provider.read_callback = &read_body;
    const int rv = nghttp2_submit_data(session_, last ? NGHTTP2_FLAG_END_STREAM : NGHTTP2_FLAG_NONE,
                                       stream_id, &provider);
    if (rv != 0) throw std::runtime_error(nghttp2_strerror(rv));
    flush();
}

void Http2Client::reset(std::int32_t stream_id, std::uint32_t error_code) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, error_code);
}

void Http2Client::flush() {
    for (;;) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) return;
        std::size_t sent = 0;
        while (sent < static_cast<std::size_t>(n)) {
            const auto w =
                ::send(fd_, data + sent, static_cast<std::size_t>(n) - sent, MSG_NOSIGNAL);
            if (w <= 0) return;
            sent += static_cast<std::size_t>(w);
        }
    }
}

bool Http2Client::pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<std::uint8_t, 16384> buffer{};
    while (!done() && !eof) {
        flush();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd_, POLLIN, 0};
        // Short polls: done() may also become true without network traffic.
        if (::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 50))) <= 0) continue;
        const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            eof = true;
            break;
        }
        if (nghttp2_session_mem_recv(session_, buffer.data(), static_cast<std::size_t>(n)) < 0) {
            eof = true;
            break;
        }
    }
    flush();
    return done();
}

void Http2Client::pump_for(std::chrono::milliseconds duration) {
    pump_until([] { return false; }, duration);
}

void Http2Client::consume_all(bool keep_going) {
    for (auto& [id, n] : unconsumed_) {
        if (n > 0) nghttp2_session_consume(session_, id, n);
        n = 0;
    }
    auto_consume_ = keep_going;
    flush();
}

int Http2Client::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                           std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                           std::uint8_t, void* user) {
    auto& self = *static_cast<Http2Client*>(user);
    const std::string n(reinterpret_cast<const char*>(name), namelen);
    const std::string v(reinterpret_cast<const char*>(value), valuelen);
    auto& stream = self.streams[frame->hd.stream_id];
    if (n == ":status") {
        stream.status = std::stoi(v);
    } else {
        stream.headers.emplace(n, v);
    }
    return 0;
}

int Http2Client::on_data(nghttp2_session* session, std::uint8_t, std::int32_t stream_id,
                         const std::uint8_t* data, std::size_t len, void* user) {
    auto& self = *static_cast<Http2Client*>(user);
    self.streams[stream_id].body.append(reinterpret_cast<const char*>(data), len);
    if (self.auto_consume_) {
        nghttp2_session_consume(session, stream_id, len);
    } else {
        self.unconsumed_[stream_id] += len;
    }
    return 0;
}

int Http2Client::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& self = *static_cast<Http2Client*>(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        self.goaway = true;
        self.goaway_error = frame->goaway.error_code;
    }
    return 0;
}

int Http2Client::on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                          void* user) {
    auto& stream = static_cast<Http2Client*>(user)->streams[stream_id];
    stream.closed = true;
    stream.error_code = error_code;
    return 0;
}

ssize_t Http2Client::read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                               std::size_t length, std::uint32_t* data_flags, nghttp2_data_source*,
                               void* user) {
    auto& [body, offset] = static_cast<Http2Client*>(user)->bodies_[stream_id];
    const std::size_t n = std::min(length, body.size() - offset);
    std::memcpy(buf, body.data() + offset, n);
    offset += n;
    if (offset == body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
}

} // namespace ephpm::testing
