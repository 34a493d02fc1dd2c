// docs/configuration.md documents exactly the keys the loader accepts, each
// with the default to_toml() prints and its environment variable, so the
// reference cannot drift from the code.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "config/keys.hpp"
#include "ephpm/config/load.hpp"

namespace ephpm::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kDocPath = EPHPM_SOURCE_DIR "/docs/configuration.md";
constexpr const char* kExamplePath = EPHPM_SOURCE_DIR "/config/ephpm.example.toml";

std::string trim(std::string_view text) {
    const auto begin = text.find_first_not_of(' ');
    if (begin == std::string_view::npos) return {};
    return std::string(text.substr(begin, text.find_last_not_of(' ') - begin + 1));
}

// The rows of the table under "## Keys": first cell (the key, without its
// backticks) -> all cells.
std::map<std::string, std::vector<std::string>> documented_keys() {
    std::ifstream in(kDocPath);
    EXPECT_TRUE(in) << "cannot read " << kDocPath;
    std::map<std::string, std::vector<std::string>> rows;
    bool in_keys = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("## ", 0) == 0) in_keys = line == "## Keys";
        if (!in_keys || line.rfind("| `", 0) != 0) continue;
        std::vector<std::string> cells;
        std::istringstream row(line.substr(1));
        for (std::string cell; std::getline(row, cell, '|');) cells.push_back(trim(cell));
        const std::string key = cells.at(0).substr(1, cells.at(0).size() - 2);
        EXPECT_EQ(rows.count(key), 0u) << key << " is documented twice";
        rows[key] = cells;
    }
    return rows;
}

TEST(ConfigurationDoc, DocumentsEveryKeyWithItsDefault) {
    const auto rows = documented_keys();
    const std::string defaults = config::to_toml(config::Config{});
    for (const auto& key : config::detail::config_keys()) {
        SCOPED_TRACE(std::string(key.name));
        const auto row = rows.find(std::string(key.name));
        ASSERT_NE(row, rows.end()) << key.name << " is missing from docs/configuration.md";
        // | `key` | type | default | environment variable | meaning |
        ASSERT_EQ(row->second.size(), 5u);
        EXPECT_FALSE(row->second[1].empty());
        const auto value = key.format(config::Config{});
        if (value) {
            EXPECT_EQ(row->second[2], "`" + *value + "`");
            // ... which is what --check-config prints for a default config.
            const std::string leaf(key.name.substr(key.name.rfind('.') + 1));
            EXPECT_THAT(defaults, HasSubstr("\n" + leaf + " = " + *value + "\n"));
        } else {
            EXPECT_EQ(row->second[2], "unset");
        }
        EXPECT_EQ(row->second[3], "`" + config::detail::environment_variable(key.name) + "`");
        EXPECT_FALSE(row->second[4].empty());
    }
}

TEST(ConfigurationDoc, DocumentsNoKeyTheLoaderRejects) {
    for (const auto& [key, cells] : documented_keys()) {
        EXPECT_NE(config::detail::find_key(key), nullptr)
            << key << " is documented but not accepted by the loader";
    }
}

// config/ephpm.example.toml claims to show every key at its default: each
// key's line (or, for a key that is unset by default, a commented line) is
// in its section, with the value --check-config prints for the default.
TEST(ConfigurationExample, ShowsEveryKeyWithItsDefault) {
    std::ifstream in(kExamplePath);
    ASSERT_TRUE(in) << "cannot read " << kExamplePath;
    std::map<std::string, std::string> lines; // "section.key" -> value text
    std::string section;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos) line.erase(0, 2);
        if (line.empty() || line[0] == '#') continue;
        if (line[0] == '[') {
            section = line.substr(1, line.find(']') - 1);
            continue;
        }
        const auto equals = line.find(" = ");
        if (equals == std::string::npos) continue;
        std::string value = line.substr(equals + 3);
        if (const auto comment = value.find("  #"); comment != std::string::npos)
            value.erase(comment);
        lines[section + "." + line.substr(0, equals)] = trim(value);
    }
    for (const auto& key : config::detail::config_keys()) {
        SCOPED_TRACE(std::string(key.name));
        const auto line = lines.find(std::string(key.name));
        ASSERT_NE(line, lines.end()) << key.name << " is missing from the example file";
        if (const auto value = key.format(config::Config{})) {
            EXPECT_EQ(line->second, *value);
        }
    }
    for (const auto& [name, value] : lines) {
        EXPECT_NE(config::detail::find_key(name), nullptr) << name << " is not a key";
    }
}

} // namespace
} // namespace ephpm::testing
