#pragma once
// What stat(2) says about a file that tells one version of it from another:
// the same path with a new inode (replaced by rename), a new size, or a new
// mtime or ctime (written, touched, chmod-ed) is another file for caching.

#include <sys/stat.h>

#include <cstdint>

namespace ephpm::server {

struct FileStamp {
    bool known = false; // false: nothing was stat-ed (a test's fake probe)
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_sec = 0;
    long mtime_nsec = 0;
    std::int64_t ctime_sec = 0;
    long ctime_nsec = 0;

    bool operator==(const FileStamp&) const = default;
};

inline FileStamp stamp_of(const struct stat& st) noexcept {
    FileStamp stamp;
    stamp.known = true;
    stamp.device = static_cast<std::uint64_t>(st.st_dev);
    stamp.inode = static_cast<std::uint64_t>(st.st_ino);
    stamp.size = static_cast<std::uint64_t>(st.st_size);
    stamp.mtime_sec = st.st_mtim.tv_sec;
    stamp.mtime_nsec = st.st_mtim.tv_nsec;
    stamp.ctime_sec = st.st_ctim.tv_sec;
    stamp.ctime_nsec = st.st_ctim.tv_nsec;
    return stamp;
}

} // namespace ephpm::server
