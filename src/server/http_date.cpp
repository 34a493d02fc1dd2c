#include "server/http_date.hpp"

#include <algorithm>
#include <array>

namespace ephpm::server {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> number(std::string_view text, std::size_t pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + digits; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

} // namespace

std::string format_http_date(std::time_t time) {
    std::tm tm{};
    gmtime_r(&time, &tm);
    // "Sun, 06 Nov 1994 08:49:37 GMT", digit by digit: every static file
    // response carries one (Last-Modified), and snprintf cost more than the
    // rest of it. The names are ours, not the locale's: HTTP wants English.
    // Years outside 0..9999 are clamped; HTTP cannot say them anyway.
    std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
    auto two = [&](std::size_t at, int value) {
        out[at] = static_cast<char>('0' + value / 10 % 10);
        out[at + 1] = static_cast<char>('0' + value % 10);
    };
    out.replace(0, 3, kDays[static_cast<std::size_t>(tm.tm_wday) % 7]);
    two(5, tm.tm_mday);
    out.replace(8, 3, kMonths[static_cast<std::size_t>(tm.tm_mon) % 12]);
    const int year = std::clamp(tm.tm_year + 1900, 0, 9999);
    two(12, year / 100);
    two(14, year % 100);
    two(17, tm.tm_hour);
    two(20, tm.tm_min);
    two(23, tm.tm_sec);
    return out;
}

std::string_view http_date_now() {
    // One cache per io thread: no locking, and each thread's copy is fresh.
    // A fixed array, not a std::string, so a response costs no allocation.
    thread_local std::time_t cached_time = -1;
    thread_local std::array<char, 29> cached{};
    const std::time_t now = std::time(nullptr);
    if (now != cached_time) {
        const std::string text = format_http_date(now);
        text.copy(cached.data(), cached.size());
        cached_time = now;
    }
    return {cached.data(), cached.size()};
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters at fixed positions.
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    std::tm tm{};
    int month = -1;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (text.substr(8, 3) == kMonths[i]) month = static_cast<int>(i);
    }
    auto day = number(text, 5, 2);
    auto year = number(text, 12, 4);
    auto hour = number(text, 17, 2);
    auto minute = number(text, 20, 2);
    auto second = number(text, 23, 2);
    if (month < 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
    tm.tm_mday = *day;
    tm.tm_mon = month;
    tm.tm_year = *year - 1900;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    return timegm(&tm);
}

} // namespace ephpm::server
