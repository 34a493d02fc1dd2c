#include "server/signal_watcher.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

#include "thread_name.hpp"

namespace ephpm::server {

SignalWatcher::SignalWatcher(Handler on_signal)
    : on_signal_(std::move(on_signal)), signals_(io_, SIGINT, SIGTERM) {
    wait_for_next();
    thread_ = std::thread([this] { io_.run(); });
    name_thread(thread_, "signals");
}

SignalWatcher::~SignalWatcher() {
    io_.stop();
    thread_.join();
}

void SignalWatcher::wait_for_next() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) return; // cancelled: the watcher is going away
        try {
            on_signal_(signo, ++count_);
        } catch (const std::exception& e) {
            spdlog::error("signal handling failed: {}", e.what());
        }
        wait_for_next();
    });
}

} // namespace ephpm::server
