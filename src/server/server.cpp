#include "ephpm/server/server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "platform/available_cpus.hpp"
#include "server/access_log.hpp"
#include "server/http1_session.hpp"
#include "server/http2_session.hpp"
#include "server/limits.hpp"
#include "server/listen_address.hpp"
#include "server/protocol_sniff.hpp"
#include "server/request_handler.hpp"
#include "server/sendfile_pool.hpp"
#include "server/session.hpp"
#include "server/signal_watcher.hpp"
#include "thread_name.hpp"

namespace ephpm::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Back-off when accept fails for lack of descriptors, so we do not spin.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

// Sockets must not leak into processes PHP scripts start (proc_open, exec):
// a child holding a client socket keeps that connection open after we close it.
void set_cloexec(int fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// "10s", "1500ms": a configured duration in log messages.
std::string duration_text(std::chrono::milliseconds duration) {
    if (duration.count() % 1000 == 0) return fmt::format("{}s", duration.count() / 1000);
    return fmt::format("{}ms", duration.count());
}

const char* signal_name(int signo) {
    switch (signo) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "signal";
    }
}

// The same handler serves both protocols.
Http2Handler http2_handler() {
    return [](Request request, const RequestContext& context) {
        return handle_request(std::move(request), context);
    };
}

} // namespace

class Server::Impl {
public:
    Impl(const config::Config& config, ServerOptions options)
        : options_(options),
          shutdown_grace_(config.server.timeouts.shutdown),
          // Opened before binding: a log that cannot be written stops startup.
          access_log_(open_access_log(config.logging)),
          sendfile_pool_(send_thread_count(io_threads_for(config))),
          shards_(make_shards(io_threads_for(config))),
          control_(shards_.front()->get_executor()),
          acceptor_(control_),
          grace_(control_),
          site_(config.server) {
        site_.access_log = access_log_.get();
        site_.sendfile_pool = &sendfile_pool_;
        listen(site_.settings.listen);
        if (options_.handle_signals) {
            signals_.emplace([this](int signo, int count) { on_signal(signo, count); });
        }
    }

    [[nodiscard]] std::string local_address() const {
        boost::system::error_code ec;
        auto endpoint = acceptor_.local_endpoint(ec);
        return ec ? std::string("?") : endpoint_text(endpoint);
    }

    [[nodiscard]] int io_thread_count() const { return static_cast<int>(shards_.size()); }

    void run(php::Pool& pool) {
        site_.pool = &pool;
        auto log_failure = [](const char* what) {
            return [what](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("{} failed: {}", what, ex.what());
                }
            };
        };
        asio::co_spawn(control_, accept_loop(), log_failure("accept loop"));
        // The other shards have no work until a connection arrives: keep
        // them running until the server has drained.
        for (std::size_t i = 1; i < shards_.size(); ++i)
            keep_running_.emplace_back(shards_[i]->get_executor());
        std::vector<std::thread> extra;
        for (std::size_t i = 1; i < shards_.size(); ++i) {
            extra.emplace_back([shard = shards_[i].get()] { shard->run(); });
            name_thread(extra.back(), "io-" + std::to_string(i));
        }
        shards_.front()->run();
        for (auto& thread : extra) thread.join();
    }

    void stop() {
        asio::post(control_, [this] { begin_shutdown(); });
    }

private:
    void listen(const std::string& listen_address) {
        boost::system::error_code ec;
        for (const auto& endpoint : resolve_listen_address(listen_address)) {
            ec = {};
            acceptor_.open(endpoint.protocol(), ec);
            if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
            if (!ec) acceptor_.bind(endpoint, ec);
            if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
            if (!ec) {
                set_cloexec(acceptor_.native_handle());
                return;
            }
            boost::system::error_code ignored;
            acceptor_.close(ignored);
        }
        throw std::runtime_error(
            fmt::format("cannot listen on {}: {}", listen_address, ec.message()));
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            // Round robin over the shards; the socket lives on its shard.
            asio::io_context& shard = *shards_[next_shard_];
            next_shard_ = (next_shard_ + 1) % shards_.size();
            auto [ec, socket] = co_await acceptor_.async_accept(shard, kUseTuple);
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
            if (ec) {
                spdlog::warn("accept failed: {}", ec.message());
                if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
                    asio::steady_timer backoff(control_, kAcceptBackoff);
                    co_await backoff.async_wait(kUseTuple);
                }
                continue;
            }
            if (stopping_.load()) co_return;
            set_cloexec(socket.native_handle());
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            start_session(std::move(socket));
        }
    }

    // Every connection starts with a sniffer that reads until the first
    // bytes tell HTTP/2's preface from HTTP/1.1; the sniffer is tracked like
    // a session, so shutdown closes a connection that has not spoken yet.
    void start_session(tcp::socket socket) {
        auto sniffer = std::make_shared<ProtocolSniffer>(std::move(socket),
                                                         site_.settings.timeouts.header_read);
        track(sniffer);
        asio::co_spawn(sniffer->executor(), sniffer->run(),
                       [this, sniffer](std::exception_ptr e, Protocol protocol) {
                           if (!e && protocol != Protocol::undecided) {
                               dispatch(protocol, sniffer->take_socket(), sniffer->take_bytes());
                           }
                           // After the session is tracked: the count never
                           // drops to zero in between.
                           on_session_end(sniffer.get());
                       });
    }

    // Hands the socket and the bytes already read to the protocol's session.
    void dispatch(Protocol protocol, tcp::socket socket, std::string bytes) {
        if (protocol == Protocol::http2) {
            launch(std::make_shared<Http2Session>(std::move(socket), std::move(bytes), site_,
                                                  stopping_, http2_handler(),
                                                  Http2Limits::from(site_.settings)));
        } else {
            launch(std::make_shared<Http1Session>(std::move(socket), site_, stopping_, bytes));
        }
    }

    template <class SessionType>
    void launch(std::shared_ptr<SessionType> session) {
        track(session);
        Session* key = session.get();
        asio::co_spawn(session->executor(), session->run(),
                       [this, session, key](std::exception_ptr e) {
                           if (e) {
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::exception& ex) {
                                   spdlog::error("connection failed: {}", ex.what());
                               }
                           }
                           on_session_end(key);
                       });
    }

    void track(const std::shared_ptr<Session>& session) {
        std::lock_guard lock(sessions_mutex_);
        sessions_.emplace(session.get(), session);
    }

    void on_session_end(Session* key) {
        bool drained = false;
        {
            std::lock_guard lock(sessions_mutex_);
            sessions_.erase(key);
            drained = sessions_.empty();
        }
        if (drained && stopping_.load()) asio::post(control_, [this] { finish_if_drained(); });
    }

    // On the signal watcher's thread.
    void on_signal(int signo, int count) {
        if (count == 1) {
            spdlog::info(
                "{} received: shutting down (in-flight requests get {}; signal again "
                "to exit at once)",
                signal_name(signo), duration_text(shutdown_grace_));
            stop();
            return;
        }
        spdlog::warn("{} received again: exiting immediately", signal_name(signo));
        spdlog::default_logger()->flush();
        std::_Exit(1);
    }

    void begin_shutdown() {
        if (stopping_.exchange(true)) return;
        if (options_.on_stopping) options_.on_stopping();
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (const auto& session : snapshot()) session->shutdown();
        grace_.expires_after(shutdown_grace_);
        grace_.async_wait([this](boost::system::error_code ec) {
            if (ec) return; // everything finished in time
            auto remaining = snapshot();
            if (remaining.empty()) return;
            spdlog::warn("{} connection(s) still busy after {}: closing them", remaining.size(),
                         duration_text(shutdown_grace_));
            for (const auto& session : remaining) session->force_close();
        });
        finish_if_drained();
    }

    // On the control shard: once nothing is left, cancel what would keep
    // run() going.
    void finish_if_drained() {
        {
            std::lock_guard lock(sessions_mutex_);
            if (!sessions_.empty()) return;
        }
        grace_.cancel();
        keep_running_.clear();
    }

    std::vector<std::shared_ptr<Session>> snapshot() {
        std::vector<std::shared_ptr<Session>> live;
        std::lock_guard lock(sessions_mutex_);
        for (const auto& [key, weak] : sessions_) {
            if (auto session = weak.lock()) live.push_back(std::move(session));
        }
        return live;
    }

    static int io_threads_for(const config::Config& config) {
        return config.server.io_threads > 0 ? config.server.io_threads : default_io_thread_count();
    }

    // The io threads send large files too whenever the pool is busy
    // (SendfilePool::has_idle_thread), so the pool takes the CPUs they leave.
    static int send_thread_count(int io_threads) {
        return std::max(platform::available_cpus() - io_threads, 1);
    }

    static std::vector<std::unique_ptr<asio::io_context>> make_shards(int count) {
        std::vector<std::unique_ptr<asio::io_context>> shards;
        for (int i = 0; i < std::max(count, 1); ++i) {
            // Hint 1: exactly one thread runs each context.
            shards.push_back(std::make_unique<asio::io_context>(1));
        }
        return shards;
    }

    ServerOptions options_;
    // [server.timeouts] shutdown: how long in-flight requests may finish.
    std::chrono::milliseconds shutdown_grace_;
    // Outlives every session (declared before the io_contexts and the
    // sessions that write to it).
    std::unique_ptr<AccessLog> access_log_;
    // Its jobs hold work on the shards, so it is idle by the time they stop;
    // declared before them all the same.
    SendfilePool sendfile_pool_;
    // One io_context per io thread, each run by that thread alone. A
    // connection stays on the shard that accepted it, so its handlers never
    // run concurrently and need no strand; PHP threads post to its shard.
    std::vector<std::unique_ptr<asio::io_context>> shards_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
    // Shard 0 also runs the acceptor, signals and shutdown.
    asio::io_context::executor_type control_;
    std::size_t next_shard_ = 0; // accept loop only
    tcp::acceptor acceptor_;
    asio::steady_timer grace_;
    SiteContext site_;
    std::atomic<bool> stopping_{false};
    std::mutex sessions_mutex_;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
    // Last member: destroyed (joined) first, so its callback never sees a
    // half-destroyed server.
    std::optional<SignalWatcher> signals_;
};

int default_io_thread_count() noexcept { return platform::available_cpus(); }

Server::Server(const config::Config& config, ServerOptions options)
    : impl_(std::make_unique<Impl>(config, options)) {}

Server::~Server() = default;

std::string Server::local_address() const { return impl_->local_address(); }

int Server::io_thread_count() const { return impl_->io_thread_count(); }

void Server::run(php::Pool& pool) { impl_->run(pool); }

void Server::stop() { impl_->stop(); }

} // namespace ephpm::server
