#pragma once
// What the server needs from any connection it tracks, whatever protocol it
// speaks, so that shutdown reaches HTTP/1.1 and HTTP/2 connections (and
// connections still being classified) alike. Both calls may come from any
// thread; implementations post to their connection's io thread.

namespace ephpm::server {

class Session {
public:
    virtual ~Session() = default;
    Session() = default;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Graceful stop: refuse new requests, finish the ones in flight, close.
    virtual void shutdown() = 0;
    // The grace period is over: close the socket now; running scripts see a
    // client that went away.
    virtual void force_close() = 0;
};

} // namespace ephpm::server
