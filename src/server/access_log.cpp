#include "server/access_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ephpm::server {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A quoted field's content: nothing in it can end the field or the line.
void append_escaped(std::string& out, std::string_view text) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte < 0x20 || byte == 0x7F) {
            out.append("\\x");
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xF]);
        } else {
            out.push_back(c);
        }
    }
}

void append_quoted_or_dash(std::string& out, std::string_view text) {
    out.push_back('"');
    if (text.empty()) {
        out.push_back('-');
    } else {
        append_escaped(out, text);
    }
    out.push_back('"');
}

// "[10/Oct/2024:13:55:36 +0200]" in local time, without the C locale's say.
void append_local_time(std::string& out, std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm local{};
    if (localtime_r(&seconds, &local) == nullptr) {
        out.append("[-]");
        return;
    }
    const long offset_minutes = local.tm_gmtoff / 60;
    const long magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    out.append(fmt::format("[{:02}/{}/{:04}:{:02}:{:02}:{:02} {}{:02}{:02}]", local.tm_mday,
                           kMonths[static_cast<std::size_t>(local.tm_mon % 12)],
                           local.tm_year + 1900, local.tm_hour, local.tm_min, local.tm_sec,
                           offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60));
}

// "2024-10-10T11:55:36.123Z".
std::string utc_time(std::chrono::system_clock::time_point time) {
    const auto since_epoch = time.time_since_epoch();
    const auto whole = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - whole);
    const std::time_t seconds = whole.count();
    std::tm utc{};
    if (gmtime_r(&seconds, &utc) == nullptr) return "-";
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                       millis.count());
}

using Formatter = std::string (*)(const AccessRecord&);

// Writes each line with one write(2): to an O_APPEND file the kernel appends
// it whole, so lines from many threads never mix. The lock covers only the
// write (a short write's remainder must follow its start), never formatting.
class FileAccessLog final : public AccessLog {
public:
    FileAccessLog(int fd, bool owned, std::string name, Formatter formatter)
        : fd_(fd), owned_(owned), name_(std::move(name)), formatter_(formatter) {}
    ~FileAccessLog() override {
        if (owned_) ::close(fd_);
    }
    FileAccessLog(const FileAccessLog&) = delete;
    FileAccessLog& operator=(const FileAccessLog&) = delete;

    void write(const AccessRecord& record) noexcept override {
        std::string line;
        try {
            line = formatter_(record);
        } catch (const std::exception& e) {
            report_once(e.what());
            return;
        }
        std::lock_guard lock(mutex_);
        std::size_t done = 0;
        while (done < line.size()) {
            const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                report_once(std::strerror(errno));
                return;
            }
            done += static_cast<std::size_t>(n);
        }
    }

private:
    // A full disk must not flood the server log with one warning per request.
    void report_once(const char* reason) noexcept {
        if (failed_.exchange(true)) return;
        try {
            spdlog::warn("cannot write the access log {}: {} (further failures are not reported)",
                         name_, reason);
        } catch (...) {
        }
    }

    int fd_;
    bool owned_;
    std::string name_;
    Formatter formatter_;
    std::mutex mutex_;
    std::atomic<bool> failed_{false};
};

} // namespace

std::string format_combined(const AccessRecord& record) {
    std::string line;
    line.reserve(128 + record.target.size() + record.user_agent.size() + record.referer.size());
    line.append(record.remote_address.empty() ? std::string_view("-") : record.remote_address);
    line.append(" - - ");
    append_local_time(line, record.time);
    line.append(" \"");
    if (record.method.empty() && record.target.empty() && record.protocol.empty()) {
        line.push_back('-');
    } else {
        append_escaped(line, record.method);
        line.push_back(' ');
        append_escaped(line, record.target);
        line.push_back(' ');
        append_escaped(line, record.protocol);
    }
    line.append(fmt::format("\" {} {} ", record.status, record.body_bytes));
    append_quoted_or_dash(line, record.referer);
    line.push_back(' ');
    append_quoted_or_dash(line, record.user_agent);
    line.push_back('\n');
    return line;
}

std::string format_json(const AccessRecord& record) {
    // ordered_json keeps the documented field order.
    nlohmann::ordered_json object;
    object["time"] = utc_time(record.time);
    object["remote_addr"] = record.remote_address;
    object["method"] = record.method;
    object["target"] = record.target;
    object["protocol"] = record.protocol;
    object["status"] = record.status;
    object["body_bytes"] = record.body_bytes;
    object["referer"] = record.referer;
    object["user_agent"] = record.user_agent;
    object["duration_us"] = record.duration.count();
    std::string line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    return line;
}

std::unique_ptr<AccessLog> open_access_log(const config::LoggingSettings& settings) {
    const Formatter formatter =
        settings.access_format == config::AccessFormat::json ? &format_json : &format_combined;
    if (settings.access == "off") return nullptr;
    if (settings.access == "stdout") {
        return std::make_unique<FileAccessLog>(STDOUT_FILENO, false, "stdout", formatter);
    }
    // O_CLOEXEC: processes PHP scripts start must not inherit the log.
    const int fd = ::open(settings.access.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error(fmt::format("cannot open the access log {}: {}", settings.access,
                                             std::strerror(errno)));
    }
    return std::make_unique<FileAccessLog>(fd, true, settings.access, formatter);
}

} // namespace ephpm::server
