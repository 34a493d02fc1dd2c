#include "platform/temp_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ephpm::platform {

std::string temp_directory() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::optional<std::string> temp_directory_problem(const std::string& directory) {
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
        return directory + ": " + std::strerror(errno);
    }
    if (!S_ISDIR(info.st_mode)) return directory + " is not a directory";
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        return directory + " is not writable: " + std::strerror(errno);
    }
    return std::nullopt;
}

} // namespace ephpm::platform
