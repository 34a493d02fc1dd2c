#pragma once
// How many CPUs this process may really use, for the defaults that scale
// with it (io threads, send threads, PHP workers). The online CPU count
// (std::thread::hardware_concurrency) is wrong in the two places ePHPm is
// most often deployed: a container limited with `docker run --cpus`, a
// Kubernetes `limits.cpu` or systemd's `CPUQuota=` sees every CPU of the
// host but gets the time of a few, and `taskset`/cpusets pin a process to
// some CPUs. Sizing thread pools for 64 cores under a 1-CPU quota costs
// memory and makes the quota throttle in bursts.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ephpm::platform {

struct CpuBudget {
    int online = 1;                     // std::thread::hardware_concurrency, at least 1
    int affinity = 1;                   // CPUs in the affinity mask (taskset, cpuset)
    std::optional<double> cgroup_quota; // CPUs' worth of time the cgroups allow
    int available = 1;                  // what the defaults use: never below 1

    // "2 of 8 CPUs (affinity 4, cgroup quota 1.50)": for the startup log.
    [[nodiscard]] std::string describe() const;
};

// Read once per process and cached: neither affinity nor quota is expected
// to change under a running server, and the readers are on startup paths.
const CpuBudget& cpu_budget() noexcept;
inline int available_cpus() noexcept { return cpu_budget().available; }

// --- The pieces, exposed for tests -------------------------------------

// What cpu_budget() caches, measured now: the calling thread's affinity and
// the cgroup files under `root` (see cgroup_cpu_quota).
CpuBudget measure_cpu_budget(const std::filesystem::path& root);

// min(affinity, quota rounded up), at least 1. A quota of 1.5 CPUs is 2:
// rounding down would leave half a CPU unused by design.
int cpus_within(int affinity, std::optional<double> quota);

// cgroup v2 `cpu.max`: "max 100000" is no limit, "150000 100000" is 1.5.
std::optional<double> parse_cpu_max(std::string_view text);
// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: -1 is no limit.
std::optional<double> parse_cfs_quota(std::string_view quota, std::string_view period);

// The tightest CPU quota on this process's cgroup and its ancestors, v2
// and v1 both (a hybrid host mounts both). `root` is "/" except in tests,
// which lay out proc/self/{cgroup,mountinfo} and the cgroup files under a
// temporary directory. Anything missing or malformed is no limit.
std::optional<double> cgroup_cpu_quota(const std::filesystem::path& root);

} // namespace ephpm::platform
