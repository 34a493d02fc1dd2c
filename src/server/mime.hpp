#pragma once
// File name -> Content-Type for static files. Text types carry
// "; charset=utf-8"; anything unknown is application/octet-stream, so the
// browser downloads rather than guesses.

#include <string_view>

namespace ephpm::server {

inline constexpr std::string_view kDefaultContentType = "application/octet-stream";

// By the extension after the last '.', case-insensitively ("a.JPG" -> image/jpeg).
std::string_view content_type_for(std::string_view file_name) noexcept;

} // namespace ephpm::server
