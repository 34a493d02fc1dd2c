#pragma once
// One thread sleeps here until another wakes it: a single futex word, so a
// wake-up costs one FUTEX_WAKE, and none at all when the sleeper has not gone
// to sleep yet. A condition variable with its mutex took two to three futex
// calls per hand-off, plus the wake-ups of threads queueing for the mutex.
//
// Each park() consumes exactly one unpark(): the owner of the parker makes
// sure there is never a second unpark() for the same park().

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace ephpm::php {

class ThreadParker {
public:
    // Returns once unpark() was called (before or during the wait).
    void park() noexcept {
        std::uint32_t expected = kEmpty;
        if (state_.compare_exchange_strong(expected, kSleeping, std::memory_order_acquire)) {
            // The loop absorbs spurious wake-ups (signals, EINTR).
            while (state_.load(std::memory_order_acquire) == kSleeping) {
                futex(FUTEX_WAIT_PRIVATE, kSleeping);
            }
        }
        // expected == kNotified: the wake came first, no system call.
        state_.store(kEmpty, std::memory_order_relaxed);
    }

    void unpark() noexcept {
        if (state_.exchange(kNotified, std::memory_order_release) == kSleeping) {
            futex(FUTEX_WAKE_PRIVATE, 1);
        }
    }

private:
    static constexpr std::uint32_t kEmpty = 0;
    static constexpr std::uint32_t kNotified = 1;
    static constexpr std::uint32_t kSleeping = 2;

    void futex(int op, std::uint32_t value) noexcept {
        ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), op, value, nullptr, nullptr,
                  0);
    }

    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
    std::atomic<std::uint32_t> state_{kEmpty};
};

} // namespace ephpm::php
