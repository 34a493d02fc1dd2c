#include "server/uri.hpp"

#include <array>

namespace ephpm::server {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

// Decodes one raw segment; false when it must be rejected.
bool decode_segment(std::string_view raw, std::string& out) {
    out.clear();
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return false; // needs two hex digits
            int high = hex_value(raw[i + 1]);
            int low = hex_value(raw[i + 2]);
            if (high < 0 || low < 0) return false;
            c = static_cast<char>(high * 16 + low);
            i += 2;
            // An encoded separator would let one segment smuggle a path.
            if (c == '/') return false;
        }
        if (c == '\\' || is_control(static_cast<unsigned char>(c))) return false;
        out.push_back(c);
    }
    return true;
}

bool is_unencoded_path_char(unsigned char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    // RFC 3986 unreserved, sub-delims, ':' and '@' (pchar), and the separator.
    static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
    return c != 0 && kAllowed.find(static_cast<char>(c)) != std::string_view::npos;
}

} // namespace

SplitTarget split_target(std::string_view target) noexcept {
    SplitTarget split;
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (target.size() >= scheme.size()) {
            bool match = true;
            for (std::size_t i = 0; i < scheme.size() && match; ++i) {
                char c = target[i];
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                match = c == scheme[i];
            }
            if (match) {
                target.remove_prefix(scheme.size());
                std::size_t slash = target.find_first_of("/?");
                if (slash == std::string_view::npos) {
                    target = "/";
                } else if (target[slash] == '?') {
                    return split; // "http://host?x": no path, not worth supporting
                } else {
                    target.remove_prefix(slash);
                }
                break;
            }
        }
    }
    if (target.empty() || target.front() != '/') return split;
    std::size_t question = target.find('?');
    split.path = target.substr(0, question);
    if (question != std::string_view::npos) split.query = target.substr(question + 1);
    // A fragment is never sent by conforming clients; drop it rather than
    // looking it up as part of a file name.
    if (std::size_t hash = split.path.find('#'); hash != std::string_view::npos) {
        split.path = split.path.substr(0, hash);
        split.query = {};
    }
    split.valid = true;
    return split;
}

DecodedPath decode_path(std::string_view raw_path) {
    DecodedPath decoded;
    if (raw_path.empty() || raw_path.front() != '/') {
        decoded.error_status = 400;
        return decoded;
    }
    std::string segment;
    std::size_t pos = 1;
    for (;;) {
        std::size_t slash = raw_path.find('/', pos);
        std::string_view raw = raw_path.substr(
            pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        bool last = slash == std::string_view::npos;
        if (!decode_segment(raw, segment)) {
            decoded.error_status = 400;
            decoded.segments.clear();
            return decoded;
        }
        if (segment == "..") {
            if (decoded.segments.empty()) {
                decoded.error_status = 400;
                return decoded;
            }
            decoded.segments.pop_back();
            decoded.trailing_slash = last;
        } else if (segment == ".") {
            decoded.trailing_slash = last;
        } else if (segment.empty()) {
            decoded.trailing_slash = last; // "//" collapses; "/a/" ends in a directory
        } else {
            decoded.segments.push_back(segment);
            decoded.trailing_slash = false;
        }
        if (last) break;
        pos = slash + 1;
    }
    return decoded;
}

std::string join_path(const std::vector<std::string>& segments, std::size_t begin, std::size_t end,
                      bool trailing_slash) {
    std::string path;
    for (std::size_t i = begin; i < end; ++i) path.append("/").append(segments[i]);
    if (trailing_slash || path.empty()) path.push_back('/');
    return path;
}

std::string encode_path(std::string_view decoded) {
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    std::string out;
    out.reserve(decoded.size());
    for (char c : decoded) {
        auto byte = static_cast<unsigned char>(c);
        if (is_unencoded_path_char(byte)) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xf]);
        }
    }
    return out;
}

} // namespace ephpm::server
