#include <string_view>

#include "config/keys.hpp"
#include "ephpm/config/load.hpp"

namespace ephpm::config {

std::string to_toml(const Config& config) {
    std::string out;
    std::string_view current_table;
    for (const detail::KeySpec& key : detail::config_keys()) {
        const std::size_t dot = key.name.rfind('.');
        const std::string_view table = key.name.substr(0, dot);
        if (table != current_table) {
            out.append(out.empty() ? "" : "\n").append("[").append(table).append("]\n");
            current_table = table;
        }
        // An unset optional has no TOML spelling; leaving it out reads back
        // as unset.
        if (const auto value = key.format(config)) {
            out.append(key.name.substr(dot + 1)).append(" = ").append(*value).append("\n");
        }
    }
    return out;
}

} // namespace ephpm::config
