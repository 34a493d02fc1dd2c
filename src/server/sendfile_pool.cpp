#include "server/sendfile_pool.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "thread_name.hpp"

namespace ephpm::server {

namespace {

constexpr int kMaxThreads = 8;

} // namespace

SendfilePool::SendfilePool(int threads) : thread_count_(std::clamp(threads, 1, kMaxThreads)) {}

SendfilePool::~SendfilePool() {
    idle_.reset();
    for (auto& thread : threads_) thread.join();
}

boost::asio::io_context& SendfilePool::started() {
    std::call_once(start_once_, [this] {
        idle_.emplace(jobs_.get_executor());
        for (int i = 0; i < thread_count_; ++i) {
            threads_.emplace_back([this] { jobs_.run(); });
            name_thread(threads_.back(), "send-" + std::to_string(i + 1));
        }
    });
    return jobs_;
}

int SendfilePool::duplicate(int socket) noexcept {
    const int copy = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
    return copy >= 0 ? copy : -errno;
}

SendfilePool::Outcome SendfilePool::run_job(int socket_copy, int file, off_t offset,
                                            std::size_t count) {
    if (socket_copy < 0) return Outcome{-1, -socket_copy};
    Outcome outcome;
    do {
        outcome.sent = ::sendfile(socket_copy, file, &offset, count);
        outcome.error = outcome.sent < 0 ? errno : 0;
    } while (outcome.sent < 0 && outcome.error == EINTR);
    ::close(socket_copy);
    return outcome;
}

} // namespace ephpm::server
