#pragma once
// Small static files kept in memory, so that serving one costs no open(2),
// fstat(2), pread(2) or close(2): only the router's stat(2), which every
// request makes anyway. A copy is used only while that stat still matches
// the stamp it was read under (same inode, size, mtime and ctime), so an
// edited, replaced or chmod-ed file is read afresh at once.
//
// A file changed within the last second is not kept: its next write could
// land in the same timestamp tick and leave the stamp as it was. Once a file
// is older than that, any write gives it a newer ctime.
//
// Shared by every io thread; bounded in bytes, evicting an arbitrary entry
// when full (a site with more small files than fit still gets what the
// uncached path costs).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "server/file_stamp.hpp"

namespace ephpm::server {

class StaticFileCache {
public:
    // Larger files are never kept. (The writer's own limit for reading a
    // file inline instead of using sendfile(2) happens to be the same.)
    static constexpr std::uint64_t kMaxFileSize = 8 * 1024;
    static constexpr std::size_t kDefaultBudget = 8 * 1024 * 1024;

    struct Entry {
        FileStamp stamp;
        std::string bytes;
        std::string etag;          // weak_etag of the stamp
        std::string last_modified; // HTTP date of the mtime
    };

    explicit StaticFileCache(std::size_t budget = kDefaultBudget,
                             std::chrono::nanoseconds settle = std::chrono::seconds(1))
        : budget_(budget), settle_(settle) {}
    StaticFileCache(const StaticFileCache&) = delete;
    StaticFileCache& operator=(const StaticFileCache&) = delete;

    // The copy of `path` read under exactly `stamp`, or null.
    [[nodiscard]] std::shared_ptr<const Entry> find(const std::string& path,
                                                    const FileStamp& stamp) const;
    // The wall clock as the kernel stamps files (coarse; no system call).
    // Read it before opening a file that may be stored.
    [[nodiscard]] static std::int64_t now_ns() noexcept;
    // Whether a file whose stamp was read after `before_ns` (now_ns()) may be
    // stored: small enough, and unchanged for the settle time before it.
    [[nodiscard]] bool wants(const FileStamp& stamp, std::int64_t before_ns) const noexcept;
    // Keeps `entry` (which must be wanted) for `path`, replacing any older one.
    void store(const std::string& path, std::shared_ptr<const Entry> entry);

    [[nodiscard]] std::size_t size_bytes() const;

private:
    static std::size_t cost(const std::string& path, const Entry& entry) noexcept;

    const std::size_t budget_;
    const std::chrono::nanoseconds settle_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
    std::size_t bytes_ = 0;
};

} // namespace ephpm::server
