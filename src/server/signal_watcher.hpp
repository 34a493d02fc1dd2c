#pragma once
// SIGINT/SIGTERM, received on a thread of our own with sigtimedwait(2)
// instead of through a signal handler.
//
// Why not boost::asio::signal_set: the embedded PHP (built with
// ZEND_SIGNALS) installs its own deferring handler for SIGINT/SIGTERM at the
// first request, and on a thread that TSRM manages but that is not inside a
// request (main, or a pool thread that has not served one yet) that handler
// falls through to the default action: the process dies instead of shutting
// down. Blocking the two signals in every thread and collecting them here
// keeps PHP's handler from ever running for them.
//
// The watcher must therefore be created before any other thread (the PHP
// pool in particular): new threads inherit the blocked mask. A side effect
// until the bridge stops PHP from taking the signals over: processes a
// script starts (proc_open, exec) inherit SIGINT/SIGTERM blocked as well.

#include <atomic>
#include <functional>
#include <thread>

namespace ephpm::server {

class SignalWatcher {
public:
    // Called on the watcher's thread with the signal and how many have
    // arrived so far (1 for the first).
    using Handler = std::function<void(int signo, int count)>;

    explicit SignalWatcher(Handler on_signal);
    ~SignalWatcher(); // stops and joins the thread; the signals stay blocked
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
    void loop();

    Handler on_signal_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace ephpm::server
