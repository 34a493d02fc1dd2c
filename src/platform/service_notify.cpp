#include "platform/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace ephpm::platform {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

NotifyOutcome failure(const std::string& what) {
    return {NotifyResult::failed, what + ": " + std::strerror(errno)};
}

} // namespace

NotifyOutcome notify_service_manager(std::string_view state) {
    const char* name = std::getenv("NOTIFY_SOCKET");
    if (name == nullptr || *name == '\0') return {};
    const std::string_view path(name);

    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.front() != '/' && path.front() != '@') {
        return {NotifyResult::failed,
                "NOTIFY_SOCKET=" + std::string(path) + " is neither a path nor an abstract name"};
    }
    if (path.size() >= sizeof(address.sun_path)) {
        return {NotifyResult::failed, "NOTIFY_SOCKET is longer than a socket address allows"};
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    // An abstract socket's name starts with a NUL byte instead of the '@'.
    if (path.front() == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());

    const Fd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return failure("socket(AF_UNIX)");
    // sockaddr_un is the sockaddr for AF_UNIX: the cast is the socket API's.
    const auto* generic = reinterpret_cast<const sockaddr*>(&address);
    if (::sendto(socket.get(), state.data(), state.size(), MSG_NOSIGNAL, generic, length) < 0) {
        return failure("sending to NOTIFY_SOCKET=" + std::string(path));
    }
    return {NotifyResult::sent, {}};
}

} // namespace ephpm::platform
