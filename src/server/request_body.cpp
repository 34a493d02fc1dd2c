#include "server/request_body.hpp"

#include "platform/temp_directory.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace ephpm::server {
namespace {

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// An anonymous file in the temp directory: O_TMPFILE where the file system
// supports it, otherwise mkstemp + unlink. Either way nothing is left behind.
int open_spool_file(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    std::string name = (dir / "ephpm-body-XXXXXX").native();
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(name.c_str());
    return fd;
}

class MemoryBodySource final : public php::BodySource {
public:
    explicit MemoryBodySource(std::string body) : body_(std::move(body)) {}
    std::size_t read(std::span<char> buffer) noexcept override {
        const std::size_t n = std::min(buffer.size(), body_.size() - offset_);
        std::memcpy(buffer.data(), body_.data() + offset_, n);
        offset_ += n;
        return n;
    }

private:
    std::string body_;
    std::size_t offset_ = 0;
};

class FileBodySource final : public php::BodySource {
public:
    FileBodySource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
    ~FileBodySource() override { ::close(fd_); }
    FileBodySource(const FileBodySource&) = delete;
    FileBodySource& operator=(const FileBodySource&) = delete;
    std::size_t read(std::span<char> buffer) noexcept override {
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size_ - offset_));
        for (;;) {
            const ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(offset_));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return 0;
            offset_ += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    }

private:
    int fd_;
    std::uint64_t size_;
    std::uint64_t offset_ = 0;
};

} // namespace

RequestBody& RequestBody::operator=(std::string text) {
    *this = RequestBody(std::move(text));
    return *this;
}

RequestBody::RequestBody(RequestBody&& other) noexcept
    : memory_(std::move(other.memory_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)),
      failed_(other.failed_) {}

RequestBody& RequestBody::operator=(RequestBody&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        memory_ = std::move(other.memory_);
        fd_ = std::exchange(other.fd_, -1);
        size_ = std::exchange(other.size_, 0);
        failed_ = other.failed_;
    }
    return *this;
}

RequestBody::~RequestBody() {
    if (fd_ >= 0) ::close(fd_);
}

bool RequestBody::spool() {
    const std::string dir = platform::temp_directory();
    fd_ = open_spool_file(dir);
    if (fd_ < 0 || !write_all(fd_, memory_)) {
        spdlog::error(
            "cannot spool a request body to a temporary file in {}: {} (set TMPDIR to a "
            "writable directory)",
            dir, std::strerror(errno));
        return false;
    }
    std::string().swap(memory_);
    return true;
}

void RequestBody::reserve(std::uint64_t size) {
    if (fd_ < 0 && size <= kSpoolThreshold) memory_.reserve(static_cast<std::size_t>(size));
}

bool RequestBody::append(std::string_view bytes) {
    if (failed_) return false;
    if (fd_ < 0 && memory_.size() + bytes.size() > kSpoolThreshold && !spool()) {
        failed_ = true;
        return false;
    }
    if (fd_ >= 0) {
        if (!write_all(fd_, bytes)) {
            failed_ = true;
            return false;
        }
    } else {
        memory_.append(bytes);
    }
    size_ += bytes.size();
    return true;
}

std::unique_ptr<php::BodySource> RequestBody::into_source() && {
    std::unique_ptr<php::BodySource> source;
    if (fd_ >= 0) {
        source = std::make_unique<FileBodySource>(std::exchange(fd_, -1), size_);
    } else {
        source = std::make_unique<MemoryBodySource>(std::move(memory_));
    }
    size_ = 0;
    return source;
}

} // namespace ephpm::server
