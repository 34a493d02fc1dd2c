#pragma once
// Pins the calling thread to the first CPU of its affinity mask for the
// object's life; threads and processes it starts meanwhile inherit the
// mask (`taskset -c <cpu>` from inside a test).

#include <sched.h>

namespace ephpm::testing {

class PinnedToOneCpu {
public:
    PinnedToOneCpu() {
        sched_getaffinity(0, sizeof(saved_), &saved_);
        cpu_set_t one;
        CPU_ZERO(&one);
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &saved_)) {
                CPU_SET(cpu, &one);
                break;
            }
        }
        pinned_ = sched_setaffinity(0, sizeof(one), &one) == 0;
    }
    ~PinnedToOneCpu() { sched_setaffinity(0, sizeof(saved_), &saved_); }
    PinnedToOneCpu(const PinnedToOneCpu&) = delete;
    PinnedToOneCpu& operator=(const PinnedToOneCpu&) = delete;
    [[nodiscard]] bool pinned() const { return pinned_; }

private:
    cpu_set_t saved_{};
    bool pinned_ = false;
};

} // namespace ephpm::testing
