#include "server/signal_watcher.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <stdexcept>

namespace ephpm::server {
namespace {

// How often the watcher looks at its stop flag while no signal arrives.
constexpr long kPollNanoseconds = 200'000'000;

sigset_t shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

} // namespace

SignalWatcher::SignalWatcher(Handler on_signal) : on_signal_(std::move(on_signal)) {
    const sigset_t set = shutdown_signals();
    if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
        throw std::runtime_error("cannot block SIGINT/SIGTERM");
    }
    thread_ = std::thread([this] { loop(); });
}

SignalWatcher::~SignalWatcher() {
    stopping_ = true;
    thread_.join();
}

void SignalWatcher::loop() {
    const sigset_t set = shutdown_signals();
    int count = 0;
    while (!stopping_.load()) {
        const timespec timeout{0, kPollNanoseconds};
        siginfo_t info{};
        const int signo = sigtimedwait(&set, &info, &timeout);
        if (signo < 0) continue; // EAGAIN (timeout) or EINTR
        try {
            on_signal_(signo, ++count);
        } catch (const std::exception& e) {
            spdlog::error("signal handling failed: {}", e.what());
        }
    }
}

} // namespace ephpm::server
