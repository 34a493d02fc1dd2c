#include "server/framing.hpp"

#include <boost/beast/core/string.hpp>

#include <string_view>
#include <vector>

namespace ephpm::server {
namespace {

bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_tchar(c)) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The members of a comma-separated list over every field named `name`, in
// order. Empty members are dropped: RFC 9110 §5.6.1 has recipients accept
// them ("chunked, ," is still just chunked).
std::vector<std::string_view> list_members(const http::fields& fields, http::field name) {
    std::vector<std::string_view> members;
    auto [first, last] = fields.equal_range(name);
    for (auto it = first; it != last; ++it) {
        std::string_view rest = sv(it->value());
        for (;;) {
            const std::size_t comma = rest.find(',');
            const std::string_view member = trim(rest.substr(0, comma));
            if (!member.empty()) members.push_back(member);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return members;
}

bool is_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

} // namespace

std::optional<http::status> check_message_framing(const http::fields& fields) {
    const std::size_t lengths = fields.count(http::field::content_length);
    const bool has_codings = fields.count(http::field::transfer_encoding) != 0;
    // Both: one hop may use the length, the next the chunks (§6.1 allows
    // processing such a message, but nothing legitimate sends it).
    if (lengths != 0 && has_codings) return http::status::bad_request;

    if (lengths != 0) {
        // Beast already refuses differing and non-numeric values but accepts
        // "5, 5" and a repeated equal field; a single plain number is the
        // only form anyone needs, so anything else is refused.
        if (lengths > 1) return http::status::bad_request;
        if (!is_digits(trim(sv(fields[http::field::content_length]))))
            return http::status::bad_request;
        return std::nullopt;
    }

    if (has_codings) {
        const auto codings = list_members(fields, http::field::transfer_encoding);
        // Only whitespace and commas: no coding, so no length either.
        if (codings.empty()) return http::status::bad_request;
        bool chunked = false;
        for (const std::string_view coding : codings) {
            // A parameter or a stray character is malformed, not unknown.
            if (!is_token(coding)) return http::status::bad_request;
            if (!boost::beast::iequals(coding, "chunked")) return http::status::not_implemented;
            // Chunking twice is not a body length we could determine.
            if (chunked) return http::status::bad_request;
            chunked = true;
        }
    }
    return std::nullopt;
}

std::optional<http::status> check_version_framing(unsigned version, const http::fields& fields) {
    if (version < 11 && fields.count(http::field::transfer_encoding) != 0)
        return http::status::bad_request;
    return std::nullopt;
}

std::optional<http::status> check_expectation(const http::fields& fields) {
    for (const std::string_view expectation : list_members(fields, http::field::expect)) {
        if (!boost::beast::iequals(expectation, "100-continue"))
            return http::status::expectation_failed;
    }
    return std::nullopt;
}

bool expects_continue(const http::fields& fields) {
    for (const std::string_view expectation : list_members(fields, http::field::expect)) {
        if (boost::beast::iequals(expectation, "100-continue")) return true;
    }
    return false;
}

} // namespace ephpm::server
