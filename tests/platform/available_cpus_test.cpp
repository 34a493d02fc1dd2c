// The CPU count behind the default thread counts: the affinity mask of the
// real process, and cgroup quotas read from fake /proc and /sys trees laid
// out as a systemd host, a Docker container on cgroup v2 and one on v1 show
// them.

#include "platform/available_cpus.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "platform/pinned_to_one_cpu.hpp"

namespace ephpm::platform {
namespace {

namespace fs = std::filesystem;

// A directory standing for "/", removed with the object.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const fs::path& path() const { return path_; }
    void write(const std::string& relative, const std::string& content) const {
        fs::create_directories((path_ / relative).parent_path());
        std::ofstream(path_ / relative, std::ios::binary) << content;
    }

private:
    fs::path path_;
};

TEST(CpuMax, MaxIsNoLimit) {
    EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);
    EXPECT_EQ(parse_cpu_max("max\n"), std::nullopt);
}

TEST(CpuMax, QuotaOverPeriodIsTheCpus) {
    EXPECT_DOUBLE_EQ(parse_cpu_max("150000 100000\n").value(), 1.5);
    EXPECT_DOUBLE_EQ(parse_cpu_max("50000 100000").value(), 0.5);
    EXPECT_DOUBLE_EQ(parse_cpu_max("400000 200000").value(), 2.0);
    EXPECT_DOUBLE_EQ(parse_cpu_max("100000").value(), 1.0); // period left out: the default
}

TEST(CpuMax, GarbageIsNoLimit) {
    for (const char* text : {"", "\n", "abc 100000", "100000 0", "-5 100000", "1.5 100000",
                             "100000 abc", "0 100000"}) {
        EXPECT_EQ(parse_cpu_max(text), std::nullopt) << '"' << text << '"';
    }
}

TEST(CfsQuota, MinusOneIsNoLimitAndQuotaOverPeriodTheCpus) {
    EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n"), std::nullopt);
    EXPECT_DOUBLE_EQ(parse_cfs_quota("200000\n", "100000\n").value(), 2.0);
    EXPECT_DOUBLE_EQ(parse_cfs_quota("25000", "100000").value(), 0.25);
    EXPECT_EQ(parse_cfs_quota("", ""), std::nullopt);
    EXPECT_EQ(parse_cfs_quota("100000", "0"), std::nullopt);
}

TEST(CpusWithin, TheQuotaRoundedUpCapsTheAffinity) {
    EXPECT_EQ(cpus_within(8, std::nullopt), 8);
    EXPECT_EQ(cpus_within(8, 1.5), 2);
    EXPECT_EQ(cpus_within(8, 0.5), 1);
    EXPECT_EQ(cpus_within(8, 2.0), 2);
    EXPECT_EQ(cpus_within(2, 4.0), 2); // a quota above the mask adds no CPU
    EXPECT_EQ(cpus_within(0, std::nullopt), 1);
    EXPECT_EQ(cpus_within(4, 0.0), 4);
}

// mountinfo lines as the kernel writes them.
constexpr const char* kCgroup2Mount =
    "29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* kProcAndRoot =
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "24 22 0:22 / /proc rw,nosuid - proc proc rw\n";

TEST(CgroupQuota, ASystemdServiceIsCappedByItsSliceToo) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup", "0::/system.slice/ephpm.service\n");
    root.write("proc/self/mountinfo", std::string(kProcAndRoot) + kCgroup2Mount);
    root.write("sys/fs/cgroup/system.slice/ephpm.service/cpu.max", "max 100000\n");
    root.write("sys/fs/cgroup/system.slice/cpu.max", "150000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 1.5);

    // The tighter of the two wins wherever it is set.
    root.write("sys/fs/cgroup/system.slice/ephpm.service/cpu.max", "50000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 0.5);
}

TEST(CgroupQuota, ADockerContainerOnCgroupV2SeesItsOwnCgroupAsTheRoot) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup", "0::/\n");
    root.write("proc/self/mountinfo", std::string(kProcAndRoot) +
                                          "600 590 0:26 / /sys/fs/cgroup ro,nosuid - cgroup2 "
                                          "cgroup rw,nsdelegate\n");
    root.write("sys/fs/cgroup/cpu.max", "200000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 2.0);
}

TEST(CgroupQuota, ADockerContainerOnCgroupV1FindsItsCgroupBelowTheMountRoot) {
    // Without a cgroup namespace the container sees the host's path for its
    // cgroup, and its mount shows that cgroup at the mount point.
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup",
               "12:memory:/docker/3f2a\n4:cpu,cpuacct:/docker/3f2a\n1:name=systemd:/docker/3f2a\n");
    root.write("proc/self/mountinfo",
               std::string(kProcAndRoot) +
                   "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
                   "35 31 0:32 /docker/3f2a /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup "
                   "rw,cpu,cpuacct\n"
                   "36 31 0:33 /docker/3f2a /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
    root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    // A quota in another controller's files means nothing.
    root.write("sys/fs/cgroup/memory/cpu.cfs_quota_us", "10000\n");
    root.write("sys/fs/cgroup/memory/cpu.cfs_period_us", "100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 0.5);
}

TEST(CgroupQuota, AHybridHostTakesTheTighterOfV1AndV2) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup", "1:cpu:/\n0::/\n");
    root.write("proc/self/mountinfo",
               std::string(kProcAndRoot) +
                   "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                   "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    root.write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "300000\n");
    root.write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 3.0);
    root.write("sys/fs/cgroup/unified/cpu.max", "120000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 1.2);
}

TEST(CgroupQuota, AnEscapedMountPointIsFound) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup", "0::/a\n");
    root.write("proc/self/mountinfo", "29 23 0:26 / /cg\\040root rw - cgroup2 cgroup2 rw\n");
    root.write("cg root/a/cpu.max", "100000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 1.0);
}

TEST(CgroupQuota, MissingOrMalformedFilesAreNoLimit) {
    TempDir root("ephpm-cgroup");
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt); // nothing there at all

    root.write("proc/self/mountinfo",
               "garbage\n - \n\n29 23 - cgroup2\n" + std::string(kCgroup2Mount));
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt); // no proc/self/cgroup

    root.write("proc/self/cgroup", "nonsense\n0::/svc\n");
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt); // no cpu.max anywhere
    root.write("sys/fs/cgroup/svc/cpu.max", "lots 100000\n");
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt);
    root.write("sys/fs/cgroup/svc/cpu.max", "100000 100000\n");
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 1.0); // the same tree, now valid
}

TEST(CgroupQuota, ACgroupOutsideTheMountOrAboveItIsNotRead) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/mountinfo",
               "35 31 0:32 /docker/3f2a /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
    root.write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000\n");
    root.write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    root.write("proc/self/cgroup", "4:cpu:/docker/3f2abc\n"); // a prefix, not a parent
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt);
    root.write("proc/self/cgroup", "4:cpu:/docker/3f2a/../../..\n");
    EXPECT_EQ(cgroup_cpu_quota(root.path()), std::nullopt);
    root.write("proc/self/cgroup", "4:cpu:/docker/3f2a/worker\n"); // below it: read upwards
    EXPECT_DOUBLE_EQ(cgroup_cpu_quota(root.path()).value(), 0.5);
}

TEST(CpuBudget, TheAffinityMaskOfTheCallingThreadIsCounted) {
    const TempDir no_cgroups("ephpm-cgroup");
    const CpuBudget before = measure_cpu_budget(no_cgroups.path());
    EXPECT_EQ(before.online, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    EXPECT_GE(before.affinity, 1);
    EXPECT_EQ(before.available, before.affinity);
    {
        const testing::PinnedToOneCpu pin;
        ASSERT_TRUE(pin.pinned());
        const CpuBudget pinned = measure_cpu_budget(no_cgroups.path());
        EXPECT_EQ(pinned.affinity, 1);
        EXPECT_EQ(pinned.available, 1);
    }
    EXPECT_EQ(measure_cpu_budget(no_cgroups.path()).affinity, before.affinity);
}

TEST(CpuBudget, TheQuotaCapsTheAffinityAndTheLogSaysWhy) {
    TempDir root("ephpm-cgroup");
    root.write("proc/self/cgroup", "0::/\n");
    root.write("proc/self/mountinfo", kCgroup2Mount);
    root.write("sys/fs/cgroup/cpu.max", "50000 100000\n");
    const CpuBudget budget = measure_cpu_budget(root.path());
    EXPECT_EQ(budget.available, 1);
    ASSERT_TRUE(budget.cgroup_quota.has_value());
    EXPECT_DOUBLE_EQ(*budget.cgroup_quota, 0.5);
    if (budget.online > 1 && budget.affinity == budget.online) {
        EXPECT_EQ(budget.describe(),
                  "1 of " + std::to_string(budget.online) + " CPUs (cgroup quota 0.50)");
    }
}

TEST(CpuBudget, DescribeNamesEveryLimitThatLowersTheCount) {
    EXPECT_EQ((CpuBudget{8, 8, std::nullopt, 8}).describe(), "8 CPUs");
    EXPECT_EQ((CpuBudget{8, 8, 16.0, 8}).describe(), "8 CPUs");
    EXPECT_EQ((CpuBudget{8, 4, std::nullopt, 4}).describe(), "4 of 8 CPUs (affinity 4)");
    EXPECT_EQ((CpuBudget{8, 8, 1.5, 2}).describe(), "2 of 8 CPUs (cgroup quota 1.50)");
    EXPECT_EQ((CpuBudget{8, 4, 1.5, 2}).describe(), "2 of 8 CPUs (affinity 4, cgroup quota 1.50)");
}

} // namespace
} // namespace ephpm::platform
