#include "ephpm/app/version_info.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ephpm/version.hpp"

namespace ephpm::app {
namespace {

bool less_case_insensitive(const std::string& a, const std::string& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) <
               std::tolower(static_cast<unsigned char>(y));
    });
}

} // namespace

std::string version_text(const php::EngineInfo& info) {
    auto extensions = info.extensions;
    std::sort(extensions.begin(), extensions.end(), less_case_insensitive);
    std::string text = fmt::format("ephpm {}\nPHP {} ({}, SAPI ephpm, {} extension suite)\n",
                                   kVersion, info.php_version, info.zts ? "ZTS" : "NTS", kPhpSuite);
    text += fmt::format("Zend extensions: {}\n", fmt::join(info.zend_extensions, ", "));
    text += fmt::format("Extensions ({}): {}\n", extensions.size(), fmt::join(extensions, ", "));
    return text;
}

} // namespace ephpm::app
