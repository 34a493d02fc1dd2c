#include "server/byte_range.hpp"

#include <limits>
#include <optional>

#include "server/http_date.hpp"

namespace ephpm::server {
namespace {

constexpr std::string_view kUnit = "bytes";

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

bool is_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// Decimal digits saturated to UINT64_MAX: a position past any real file is
// still a valid position (start >= size means 416, a huge last or suffix just
// means "to the end"), so overflow must not turn a valid header invalid.
std::uint64_t saturating_value(std::string_view digits) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (kMax - digit) / 10) return kMax;
        value = value * 10 + digit;
    }
    return value;
}

// a <= b for decimal digit strings of any length, so that "a > b" is judged
// on the real numbers even when both saturate.
bool decimal_less_equal(std::string_view a, std::string_view b) {
    while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
    while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size();
    return a <= b;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// The one non-empty element of a range-set, or nullopt when there are none or
// several. Empty elements (", ,") are allowed by the list rule (RFC 9110
// §5.6.1.2), so they are skipped rather than rejected.
std::optional<std::string_view> single_spec(std::string_view set) {
    std::optional<std::string_view> found;
    while (true) {
        const std::size_t comma = set.find(',');
        const std::string_view element = trim(set.substr(0, comma));
        if (!element.empty()) {
            if (found) return std::nullopt;
            found = element;
        }
        if (comma == std::string_view::npos) break;
        set.remove_prefix(comma + 1);
    }
    return found;
}

} // namespace

ByteRange parse_byte_range(std::string_view header, std::uint64_t size) {
    header = trim(header);
    const std::size_t equals = header.find('=');
    // The unit is case-insensitive (RFC 9110 §14.1); no whitespace around '='.
    if (equals == std::string_view::npos || !iequals(header.substr(0, equals), kUnit)) return {};
    const auto spec = single_spec(header.substr(equals + 1));
    if (!spec) return {};

    const std::size_t dash = spec->find('-');
    if (dash == std::string_view::npos) return {};
    const std::string_view first_text = spec->substr(0, dash);
    const std::string_view last_text = spec->substr(dash + 1);
    const ByteRange unsatisfiable{RangeKind::unsatisfiable, 0, 0};

    if (first_text.empty()) {
        // suffix-range: the final n bytes; -0 selects nothing.
        if (!is_digits(last_text)) return {};
        const std::uint64_t suffix = saturating_value(last_text);
        if (suffix == 0 || size == 0) return unsatisfiable;
        const std::uint64_t length = suffix < size ? suffix : size;
        return {RangeKind::satisfiable, size - length, size - 1};
    }

    if (!is_digits(first_text)) return {};
    if (!last_text.empty() &&
        (!is_digits(last_text) || !decimal_less_equal(first_text, last_text))) {
        return {};
    }
    const std::uint64_t first = saturating_value(first_text);
    if (first >= size) return unsatisfiable; // also every range of an empty file
    std::uint64_t last = last_text.empty() ? size - 1 : saturating_value(last_text);
    if (last >= size) last = size - 1;
    return {RangeKind::satisfiable, first, last};
}

bool if_range_matches(std::string_view header, std::string_view etag, std::time_t last_modified) {
    header = trim(header);
    if (header.empty()) return false;
    if (header.front() == '"' || header.starts_with("W/")) {
        // Strong comparison (RFC 9110 §8.8.3.2): both tags strong and equal.
        if (header.starts_with("W/") || etag.starts_with("W/")) return false;
        return header == etag;
    }
    const auto date = parse_http_date(header);
    return date && *date == last_modified;
}

} // namespace ephpm::server
