#include "server/static_file_cache.hpp"

#include <time.h>

namespace ephpm::server {

std::shared_ptr<const StaticFileCache::Entry> StaticFileCache::find(const std::string& path,
                                                                    const FileStamp& stamp) const {
    if (!stamp.known || stamp.size > kMaxFileSize) return nullptr;
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(path);
    if (it == entries_.end() || !(it->second->stamp == stamp)) return nullptr;
    return it->second;
}

std::int64_t StaticFileCache::now_ns() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

bool StaticFileCache::wants(const FileStamp& stamp, std::int64_t before_ns) const noexcept {
    if (!stamp.known || stamp.size > kMaxFileSize) return false;
    // A write after the stamp was read gets a ctime of at least `before_ns`
    // (less a clock tick), so it cannot repeat a ctime this much older.
    const std::int64_t ctime_ns = stamp.ctime_sec * 1'000'000'000LL + stamp.ctime_nsec;
    return ctime_ns + settle_.count() < before_ns;
}

std::size_t StaticFileCache::cost(const std::string& path, const Entry& entry) noexcept {
    // The strings and roughly what the map and the shared block add.
    return path.size() + entry.bytes.size() + entry.etag.size() + entry.last_modified.size() + 160;
}

void StaticFileCache::store(const std::string& path, std::shared_ptr<const Entry> entry) {
    const std::size_t added = cost(path, *entry);
    if (added > budget_) return;
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(path); it != entries_.end()) {
        bytes_ -= cost(it->first, *it->second);
        entries_.erase(it);
    }
    while (bytes_ + added > budget_ && !entries_.empty()) {
        auto victim = entries_.begin();
        bytes_ -= cost(victim->first, *victim->second);
        entries_.erase(victim);
    }
    entries_.emplace(path, std::move(entry));
    bytes_ += added;
}

std::size_t StaticFileCache::size_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

} // namespace ephpm::server
