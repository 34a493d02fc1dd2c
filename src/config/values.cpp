#include "config/values.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>
#include <vector>

namespace ephpm::config::detail {
namespace {

constexpr std::string_view kListenExample = "e.g. 127.0.0.1:8080, 0.0.0.0:80 or [::1]:8080";

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Values from the environment and the command line are raw bytes; to_toml()
// must be able to print them as TOML, which is UTF-8 only.
bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code = lead & 0x1Fu;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code = lead & 0x0Fu;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code = lead & 0x07u;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3Fu);
        }
        constexpr std::array<std::uint32_t, 5> kSmallest = {0, 0, 0x80, 0x800, 0x10000};
        if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false; // overlong, out of range, or a surrogate
        }
        i += length;
    }
    return true;
}

// A DNS name: dot-separated labels of letters, digits and '-'.
bool is_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = host.find('.', start);
        if (end == std::string_view::npos) end = host.size();
        const std::string_view label = host.substr(start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        }
        start = end + 1;
    }
    return true;
}

Check problem(std::string message) { return Problem{std::move(message), nullptr, {}}; }

} // namespace

std::string_view type_phrase(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                // TOML forbids raw control characters in basic strings.
                if (byte < 0x20 || byte == 0x7F) {
                    out += fmt::format("\\u{:04X}", static_cast<unsigned>(byte));
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

Check read_string(const toml::node& node, std::string& out) {
    const auto* value = node.as_string();
    if (value == nullptr) {
        return problem(fmt::format("expected a string, got {}", type_phrase(node.type())));
    }
    if (!is_valid_utf8(value->get())) return problem("is not valid UTF-8");
    out = value->get();
    return std::nullopt;
}

Check read_bool(const toml::node& node, bool& out) {
    const auto* value = node.as_boolean();
    if (value == nullptr) {
        return problem(fmt::format("expected a boolean, got {}", type_phrase(node.type())));
    }
    out = value->get();
    return std::nullopt;
}

Check read_int(const toml::node& node, std::int64_t min, std::int64_t max, int& out) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
        return problem(fmt::format("expected an integer, got {}", type_phrase(node.type())));
    }
    const std::int64_t number = value->get();
    if (number < min) return problem(fmt::format("must be >= {}, got {}", min, number));
    if (number > max) return problem(fmt::format("must be <= {}, got {}", max, number));
    out = static_cast<int>(number);
    return std::nullopt;
}

Check check_port(std::string_view port, int* value) {
    if (!is_digits(port)) {
        return problem(
            fmt::format("the port must be a number 1..65535, got {}", toml_string(port)));
    }
    unsigned number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
        return problem(fmt::format("port {} is out of range 1..65535", port));
    }
    if (value != nullptr) *value = static_cast<int>(number);
    return std::nullopt;
}

Check check_listen(std::string_view listen) {
    std::string_view host;
    std::string_view port;
    if (!listen.empty() && listen.front() == '[') {
        const std::size_t close = listen.find(']');
        if (close == std::string_view::npos || close + 1 >= listen.size() ||
            listen[close + 1] != ':') {
            return problem(fmt::format("expected [address]:port ({}), got {}", kListenExample,
                                       toml_string(listen)));
        }
        host = listen.substr(1, close - 1);
        port = listen.substr(close + 2);
        std::array<unsigned char, 16> address{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), address.data()) != 1) {
            return problem(fmt::format("{} is not an IPv6 address", toml_string(host)));
        }
    } else {
        const std::size_t colon = listen.rfind(':');
        if (colon == std::string_view::npos) {
            return problem(fmt::format("expected host:port ({}), got {} without a port",
                                       kListenExample, toml_string(listen)));
        }
        host = listen.substr(0, colon);
        port = listen.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return problem(fmt::format("an IPv6 address needs brackets, e.g. [::1]:8080, got {}",
                                       toml_string(listen)));
        }
        if (host.empty()) {
            return problem(
                fmt::format("the host is missing in {} (0.0.0.0 listens on every "
                            "IPv4 interface)",
                            toml_string(listen)));
        }
        const bool looks_numeric = std::all_of(
            host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
        std::array<unsigned char, 4> address{};
        if (looks_numeric ? inet_pton(AF_INET, std::string(host).c_str(), address.data()) != 1
                          : !is_host_name(host)) {
            return problem(fmt::format("{} is neither an IP address nor a host name (in {})",
                                       toml_string(host), toml_string(listen)));
        }
    }
    return check_port(port);
}

namespace {

// Digits with an optional K/M/G suffix; nothing when malformed, the overflow
// flag set when too large for a signed 64-bit count (what PHP stores).
struct ParsedSize {
    std::uint64_t bytes = 0;
    bool too_large = false;
};

std::optional<ParsedSize> parse_size(std::string_view text) {
    std::string_view digits = text;
    std::uint64_t unit = 1;
    if (!text.empty()) {
        switch (ascii_lower(text.back())) {
            case 'k':
                unit = 1ULL << 10;
                break;
            case 'm':
                unit = 1ULL << 20;
                break;
            case 'g':
                unit = 1ULL << 30;
                break;
            default:
                break;
        }
        if (unit != 1) digits.remove_suffix(1);
    }
    if (!is_digits(digits)) return std::nullopt;
    std::uint64_t count = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (error != std::errc{} || end != digits.data() + digits.size() || count > kMax / unit) {
        return ParsedSize{0, true};
    }
    return ParsedSize{count * unit, false};
}

} // namespace

Check check_memory_limit(std::string_view limit) {
    if (limit == "-1") return std::nullopt;
    const auto size = parse_size(limit);
    if (!size) {
        return problem(
            fmt::format("expected a size such as \"128M\", \"1G\", \"512K\", \"1048576\" or \"-1\" "
                        "(unlimited), got {}",
                        toml_string(limit)));
    }
    if (size->too_large) return problem(fmt::format("{} is too large", toml_string(limit)));
    if (size->bytes == 0) return problem("must be a positive size or \"-1\" (unlimited), got 0");
    return std::nullopt;
}

Check read_size(const toml::node& node, std::uint64_t& out) {
    if (const auto* integer = node.as_integer()) {
        const std::int64_t bytes = integer->get();
        if (bytes <= 0) return problem(fmt::format("must be a positive size, got {}", bytes));
        out = static_cast<std::uint64_t>(bytes);
        return std::nullopt;
    }
    std::string text;
    if (node.as_string() == nullptr) {
        return problem(
            fmt::format("expected a size (an integer of bytes or a string such as "
                        "\"8M\"), got {}",
                        type_phrase(node.type())));
    }
    if (auto bad = read_string(node, text)) return bad;
    const auto size = parse_size(text);
    if (!size) {
        return problem(fmt::format(
            "expected a size such as \"16K\", \"8M\", \"1G\" or a number of bytes, got {}",
            toml_string(text)));
    }
    if (size->too_large) return problem(fmt::format("{} is too large", toml_string(text)));
    if (size->bytes == 0)
        return problem(fmt::format("must be a positive size, got {}", toml_string(text)));
    out = size->bytes;
    return std::nullopt;
}

std::string format_size(std::uint64_t bytes) {
    constexpr std::array<std::pair<std::uint64_t, char>, 3> kUnits = {
        {{1ULL << 30, 'G'}, {1ULL << 20, 'M'}, {1ULL << 10, 'K'}}};
    for (const auto& [unit, suffix] : kUnits) {
        if (bytes != 0 && bytes % unit == 0) return fmt::format("\"{}{}\"", bytes / unit, suffix);
    }
    return std::to_string(bytes);
}

Check read_duration(const toml::node& node, bool allow_zero, std::chrono::milliseconds& out) {
    using std::chrono::milliseconds;
    constexpr std::int64_t kMaxMs = 7LL * 24 * 3600 * 1000;
    const std::string_view lowest = allow_zero ? ">= 0" : "> 0";
    auto check_range = [&](std::int64_t ms, std::string_view shown) -> Check {
        if (ms < 0 || (ms == 0 && !allow_zero)) {
            return problem(fmt::format("must be {}, got {}", lowest, shown));
        }
        if (ms > kMaxMs)
            return problem(fmt::format("must be at most 7 days (\"168h\"), got {}", shown));
        out = milliseconds(ms);
        return std::nullopt;
    };
    if (const auto* integer = node.as_integer()) {
        const std::int64_t seconds = integer->get();
        // Compared before multiplying, so a huge value cannot overflow.
        if (seconds > kMaxMs / 1000) return check_range(kMaxMs + 1, std::to_string(seconds));
        return check_range(seconds * 1000, std::to_string(seconds));
    }
    if (node.as_string() == nullptr) {
        return problem(
            fmt::format("expected a duration (a string such as \"30s\" or an integer "
                        "of seconds), got {}",
                        type_phrase(node.type())));
    }
    std::string text;
    if (auto bad = read_string(node, text)) return bad;
    const std::size_t unit_at =
        std::min(text.size(),
                 static_cast<std::size_t>(std::find_if(text.begin(), text.end(),
                                                       [](char c) { return c < '0' || c > '9'; }) -
                                          text.begin()));
    const std::string_view digits = std::string_view(text).substr(0, unit_at);
    const std::string_view unit = std::string_view(text).substr(unit_at);
    std::int64_t scale = 0;
    if (unit == "ms") scale = 1;
    if (unit == "s") scale = 1000;
    if (unit == "m") scale = 60 * 1000;
    if (unit == "h") scale = 3600 * 1000;
    std::uint64_t count = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (scale == 0 || digits.empty() || end != digits.data() + digits.size()) {
        return problem(
            fmt::format("expected a duration such as \"500ms\", \"30s\", \"2m\", "
                        "\"1h\" or an integer of seconds, got {}",
                        toml_string(text)));
    }
    const auto limit = static_cast<std::uint64_t>(kMaxMs / scale);
    if (error != std::errc{} || count > limit) return check_range(kMaxMs + 1, toml_string(text));
    return check_range(static_cast<std::int64_t>(count) * scale, toml_string(text));
}

std::string format_duration(std::chrono::milliseconds duration) {
    const std::int64_t ms = duration.count();
    if (ms == 0) return "\"0s\"";
    constexpr std::array<std::pair<std::int64_t, std::string_view>, 3> kUnits = {
        {{3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}}};
    for (const auto& [unit, suffix] : kUnits) {
        if (ms % unit == 0) return fmt::format("\"{}{}\"", ms / unit, suffix);
    }
    return fmt::format("\"{}ms\"", ms);
}

Check read_choice(const toml::node& node, std::initializer_list<std::string_view> names,
                  std::string& out) {
    std::string text;
    if (auto bad = read_string(node, text)) return bad;
    if (std::find(names.begin(), names.end(), text) == names.end()) {
        std::vector<std::string> quoted;
        for (std::string_view name : names) quoted.push_back(toml_string(name));
        return problem(
            fmt::format("expected one of {}, got {}", fmt::join(quoted, ", "), toml_string(text)));
    }
    out = std::move(text);
    return std::nullopt;
}

Check read_log_level(const toml::node& node, std::string& out) {
    std::string level;
    if (auto bad = read_string(node, level)) return bad;
    std::transform(level.begin(), level.end(), level.begin(), ascii_lower);
    if (std::find(std::begin(kLogLevels), std::end(kLogLevels), level) == std::end(kLogLevels)) {
        return problem(fmt::format("expected one of trace, debug, info, warn, error, off, got {}",
                                   toml_string(node.as_string()->get())));
    }
    out = std::move(level);
    return std::nullopt;
}

std::string more_verbose(std::string_view level, int steps) {
    const auto* found = std::find(std::begin(kLogLevels), std::end(kLogLevels), level);
    if (found == std::end(kLogLevels) || steps <= 0) return std::string(level);
    const auto index = static_cast<int>(found - std::begin(kLogLevels));
    return std::string(kLogLevels[std::max(0, index - steps)]);
}

} // namespace ephpm::config::detail
