#include "platform/available_cpus.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace ephpm::platform {
namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::optional<std::int64_t> parse_positive(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value <= 0) return std::nullopt;
    return value;
}

std::optional<double> ratio(std::optional<std::int64_t> quota, std::optional<std::int64_t> period) {
    if (!quota || !period) return std::nullopt;
    return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::string read_small_file(const fs::path& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

bool has_token(std::string_view list, std::string_view token) {
    const auto tokens = split(list, ',');
    return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// mountinfo writes a space, tab, newline or backslash in a path as \ooo.
std::string unescape_octal(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() &&
            text.substr(i + 1, 3).find_first_not_of("01234567") == std::string_view::npos) {
            out.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                            (text[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// One cgroup hierarchy that can limit CPU time: its version (which decides
// the quota files), where it is mounted and which cgroup the mount shows.
struct Hierarchy {
    bool v2 = false;
    std::string mount_root;  // the cgroup the mount point shows ("/" mostly)
    std::string mount_point; // where it is mounted
};

std::vector<Hierarchy> cpu_hierarchies(const std::string& mountinfo) {
    std::vector<Hierarchy> found;
    std::istringstream lines(mountinfo);
    std::string line;
    while (std::getline(lines, line)) {
        const auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        const auto before = split(std::string_view(line).substr(0, dash), ' ');
        const auto after = split(std::string_view(line).substr(dash + 3), ' ');
        if (before.size() < 5 || after.size() < 3) continue;
        Hierarchy hierarchy;
        if (after[0] == "cgroup2") {
            hierarchy.v2 = true;
        } else if (after[0] != "cgroup" || !has_token(after[2], "cpu")) {
            continue;
        }
        hierarchy.mount_root = unescape_octal(before[3]);
        hierarchy.mount_point = unescape_octal(before[4]);
        found.push_back(std::move(hierarchy));
    }
    return found;
}

// This process's cgroup in the hierarchy: "0::<path>" for v2, and for v1 the
// line whose controller list names "cpu".
std::optional<std::string> own_cgroup(const std::string& proc_cgroup, bool v2) {
    std::istringstream lines(proc_cgroup);
    std::string line;
    while (std::getline(lines, line)) {
        const auto first = line.find(':');
        const auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        const std::string_view id = std::string_view(line).substr(0, first);
        const std::string_view controllers =
            std::string_view(line).substr(first + 1, second - first - 1);
        const bool matches =
            v2 ? (id == "0" && controllers.empty()) : has_token(controllers, "cpu");
        if (matches) return line.substr(second + 1);
    }
    return std::nullopt;
}

std::optional<double> quota_in(const fs::path& dir, bool v2) {
    if (v2) return parse_cpu_max(read_small_file(dir / "cpu.max"));
    return parse_cfs_quota(read_small_file(dir / "cpu.cfs_quota_us"),
                           read_small_file(dir / "cpu.cfs_period_us"));
}

std::optional<double> tighter(std::optional<double> a, std::optional<double> b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

// A quota set on any ancestor caps its whole subtree, so every cgroup from
// the one the mount shows down to the process's own counts.
std::optional<double> hierarchy_quota(const fs::path& root, const Hierarchy& hierarchy,
                                      const std::string& cgroup) {
    std::string relative;
    if (hierarchy.mount_root == "/") {
        relative = cgroup;
    } else if (cgroup == hierarchy.mount_root || cgroup.starts_with(hierarchy.mount_root + "/")) {
        relative = cgroup.substr(hierarchy.mount_root.size());
    } else {
        return std::nullopt; // the process's cgroup is outside what is mounted
    }
    const fs::path relative_path = fs::path(relative).relative_path().lexically_normal();
    // Every cgroup from the mount's down to the process's, each read once.
    fs::path dir = root / fs::path(hierarchy.mount_point).relative_path();
    std::optional<double> quota = quota_in(dir, hierarchy.v2);
    for (const fs::path& element : relative_path) {
        if (element == "..") return std::nullopt; // would leave the mount
        if (element.empty() || element == ".") continue;
        dir /= element;
        quota = tighter(quota, quota_in(dir, hierarchy.v2));
    }
    return quota;
}

int affinity_cpus() {
    // CPU_SETSIZE is 1024; larger hosts need a bigger mask or EINVAL.
    for (int size = CPU_SETSIZE; size <= (1 << 16); size *= 2) {
        cpu_set_t* set = CPU_ALLOC(size);
        if (set == nullptr) return 0;
        const std::size_t bytes = CPU_ALLOC_SIZE(size);
        const int rc = sched_getaffinity(0, bytes, set);
        const int count = rc == 0 ? CPU_COUNT_S(bytes, set) : 0;
        const int error = errno;
        CPU_FREE(set);
        if (rc == 0) return count;
        if (error != EINVAL) return 0;
    }
    return 0;
}

} // namespace

CpuBudget measure_cpu_budget(const fs::path& root) {
    CpuBudget budget;
    budget.online = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int affinity = affinity_cpus();
    budget.affinity = affinity > 0 ? affinity : budget.online;
    budget.cgroup_quota = cgroup_cpu_quota(root);
    budget.available = cpus_within(budget.affinity, budget.cgroup_quota);
    return budget;
}

std::string CpuBudget::describe() const {
    if (available >= online) return fmt::format("{} CPUs", available);
    std::string why;
    if (affinity < online) why = fmt::format("affinity {}", affinity);
    if (cgroup_quota && *cgroup_quota < affinity) {
        if (!why.empty()) why += ", ";
        why += fmt::format("cgroup quota {:.2f}", *cgroup_quota);
    }
    return fmt::format("{} of {} CPUs ({})", available, online, why);
}

const CpuBudget& cpu_budget() noexcept {
    static const CpuBudget budget = measure_cpu_budget("/");
    return budget;
}

int cpus_within(int affinity, std::optional<double> quota) {
    int cpus = std::max(affinity, 1);
    if (quota && *quota > 0) {
        const double rounded_up = std::ceil(*quota);
        if (rounded_up < cpus) cpus = static_cast<int>(rounded_up);
    }
    return std::max(cpus, 1);
}

std::optional<double> parse_cpu_max(std::string_view text) {
    const auto fields = split(trim(text), ' ');
    if (fields.empty() || fields[0] == "max") return std::nullopt;
    // The kernel always writes the period; 100000 µs is its default.
    const std::optional<std::int64_t> period =
        fields.size() >= 2 ? parse_positive(fields[1]) : std::optional<std::int64_t>(100000);
    return ratio(parse_positive(fields[0]), period);
}

std::optional<double> parse_cfs_quota(std::string_view quota, std::string_view period) {
    // -1 is "no limit"; parse_positive refuses it like any other non-quota.
    return ratio(parse_positive(trim(quota)), parse_positive(trim(period)));
}

std::optional<double> cgroup_cpu_quota(const fs::path& root) {
    try {
        const std::string proc_cgroup = read_small_file(root / "proc/self/cgroup");
        std::optional<double> quota;
        for (const Hierarchy& hierarchy :
             cpu_hierarchies(read_small_file(root / "proc/self/mountinfo"))) {
            if (const auto cgroup = own_cgroup(proc_cgroup, hierarchy.v2)) {
                quota = tighter(quota, hierarchy_quota(root, hierarchy, *cgroup));
            }
        }
        return quota;
    } catch (const std::exception&) {
        return std::nullopt; // an unreadable cgroup tree is no limit, never a failed start
    }
}

} // namespace ephpm::platform
