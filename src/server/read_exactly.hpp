#pragma once
// pread(2) until a buffer is full: small files are read whole, both for the
// static file cache and for a file sent inline with its response head.

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace ephpm::server {

enum class ReadOutcome { complete, short_file, failed };

// Fills all of `out` (sized by the caller) from `fd` at `offset`. A file
// that ends first is `short_file`: it shrank since its size was taken.
inline ReadOutcome read_exactly(int fd, std::uint64_t offset, std::string& out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return n == 0 ? ReadOutcome::short_file : ReadOutcome::failed;
        }
    }
    return ReadOutcome::complete;
}

} // namespace ephpm::server
