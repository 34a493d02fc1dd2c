#pragma once
// SIGINT/SIGTERM, delivered to a handler on a thread of the watcher's own
// (an io_context running a boost::asio::signal_set), so the server's
// reaction never runs inside a signal handler. Nothing is blocked: processes
// a PHP script starts (proc_open, exec) get the default signal dispositions.
// This relies on libphp being built without Zend signals (see
// scripts/php/build.sh), so PHP never installs handlers of its own.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>
#include <thread>

namespace ephpm::server {

class SignalWatcher {
public:
    // Called on the watcher's thread with the signal and how many have
    // arrived so far (1 for the first).
    using Handler = std::function<void(int signo, int count)>;

    explicit SignalWatcher(Handler on_signal);
    ~SignalWatcher(); // stops and joins the thread; default handling returns
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
    void wait_for_next();

    Handler on_signal_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    int count_ = 0;
    std::thread thread_;
};

} // namespace ephpm::server
