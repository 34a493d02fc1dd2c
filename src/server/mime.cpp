#include "server/mime.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ephpm::server {
namespace {

// Sorted by extension for binary search; lower case.
constexpr std::array<std::pair<std::string_view, std::string_view>, 31> kTypes = {{
    {"avif", "image/avif"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"gif", "image/gif"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/x-icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"md", "text/markdown; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"ogg", "audio/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"svg", "image/svg+xml"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xml", "text/xml; charset=utf-8"},
    {"xsl", "text/xml; charset=utf-8"},
    {"zip", "application/zip"},
}};

static_assert(std::is_sorted(kTypes.begin(), kTypes.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

constexpr std::size_t kMaxExtension = 8;

} // namespace

std::string_view content_type_for(std::string_view file_name) noexcept {
    std::size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos || file_name.size() - dot - 1 > kMaxExtension) {
        return kDefaultContentType;
    }
    std::array<char, kMaxExtension> buffer{};
    std::string_view ext = file_name.substr(dot + 1);
    for (std::size_t i = 0; i < ext.size(); ++i) {
        char c = ext[i];
        buffer[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    const std::string_view lower(buffer.data(), ext.size());
    auto it =
        std::lower_bound(kTypes.begin(), kTypes.end(), lower,
                         [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != kTypes.end() && it->first == lower ? it->second : kDefaultContentType;
}

} // namespace ephpm::server
