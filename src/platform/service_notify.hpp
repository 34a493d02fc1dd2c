#pragma once
// Tells the service manager (systemd's Type=notify, or anything that speaks
// its protocol) how the server's life goes: "READY=1" once it listens and
// PHP is up, "STOPPING=1" when a graceful stop begins. The protocol is one
// datagram to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an
// abstract name written with a leading '@'); libsystemd is not needed for it.

#include <string>
#include <string_view>

namespace ephpm::platform {

enum class NotifyResult {
    not_supervised, // $NOTIFY_SOCKET is unset or empty: nobody is listening
    sent,
    failed, // the socket is named but the datagram could not be sent
};

struct NotifyOutcome {
    NotifyResult result = NotifyResult::not_supervised;
    std::string error; // for `failed`: what went wrong, for the log
};

// Sends `state` (e.g. "READY=1\nSTATUS=listening on 127.0.0.1:8080") as one
// datagram. Reads $NOTIFY_SOCKET at every call. Thread-safe.
NotifyOutcome notify_service_manager(std::string_view state);

} // namespace ephpm::platform
