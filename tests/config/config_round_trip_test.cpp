// to_toml() prints TOML that load() reads back to the same configuration.

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>

#include "config/config_fixture.hpp"
#include "config/keys.hpp"

namespace ephpm::testing {
namespace {

using RoundTripTest = ConfigTest;

void expect_same(const config::Config& a, const config::Config& b) {
    EXPECT_EQ(a.server.listen, b.server.listen);
    EXPECT_EQ(a.server.document_root, b.server.document_root);
    EXPECT_EQ(a.server.index_files, b.server.index_files);
    EXPECT_EQ(a.logging.level, b.logging.level);
    EXPECT_EQ(a.php.workers, b.php.workers);
    EXPECT_EQ(a.php.memory_limit, b.php.memory_limit);
    EXPECT_EQ(a.php.max_execution_time, b.php.max_execution_time);
    EXPECT_EQ(a.php.ini_file, b.php.ini_file);
    EXPECT_EQ(a.php.ini_overrides, b.php.ini_overrides);
    EXPECT_EQ(a.php.opcache_validate_timestamps, b.php.opcache_validate_timestamps);
}

TEST_F(RoundTripTest, DefaultsPrintAsValidToml) {
    const std::string text = config::to_toml(config::Config{});
    EXPECT_EQ(text,
              "[server]\n"
              "listen = \"127.0.0.1:8080\"\n"
              "document_root = \".\"\n"
              "index_files = [\"index.php\", \"index.html\"]\n"
              "\n"
              "[server.logging]\n"
              "level = \"info\"\n"
              "\n"
              "[php]\n"
              "workers = 0\n"
              "memory_limit = \"128M\"\n"
              "max_execution_time = 30\n"
              "ini_overrides = []\n"
              "opcache_validate_timestamps = true\n");
    EXPECT_NO_THROW(toml::parse(text, std::string_view("to_toml")));
}

TEST_F(RoundTripTest, LoadedConfigSurvivesPrintAndLoad) {
    make_dir("dir with spaces/\"quoted\" ü");
    write("php.ini", "");
    const config::Config first = load_toml(R"(
[server]
listen = "[::1]:9000"
document_root = 'dir with spaces/"quoted" ü'
index_files = ["app.php", "default.htm"]

[server.logging]
level = "trace"

[php]
workers = 7
memory_limit = "-1"
max_execution_time = 0
ini_file = "php.ini"
ini_overrides = [
    ["error_reporting", "E_ALL & ~E_NOTICE"],
    ["x", "tab\there \"q\" back\\slash \u0001"],
    ["y", ""],
]
opcache_validate_timestamps = false
)");
    const std::string printed = config::to_toml(first);

    // Read back from another directory: every path is absolute by now.
    make_dir("other");
    config::CommandLine command_line;
    command_line.config_path = write("other/printed.toml", printed).string();
    const config::Config second = config::load(command_line, {});
    expect_same(first, second);
    EXPECT_EQ(config::to_toml(second), printed);
}

TEST_F(RoundTripTest, UnsetIniFileStaysUnset) {
    const config::Config first = load_toml("[php]\nworkers = 2\n");
    const std::string printed = config::to_toml(first);
    EXPECT_EQ(printed.find("ini_file"), std::string::npos);
    const config::Config second = load_toml(printed);
    EXPECT_FALSE(second.php.ini_file.has_value());
    expect_same(first, second);
}

TEST_F(RoundTripTest, ValuesFromEnvironmentPrintAsToml) {
    // Raw environment strings with characters TOML must escape.
    const config::Config first =
        config::load({}, {{"EPHPM_PHP__INI_OVERRIDES", R"([["a", "b\\c\"d"]])"},
                          {"EPHPM_SERVER__DOCUMENT_ROOT", dir_.string()}});
    const config::Config second = load_toml(config::to_toml(first));
    expect_same(first, second);
}

TEST_F(RoundTripTest, EveryKeyIsPrinted) {
    config::Config config;
    config.php.ini_file = "/etc/php.ini"; // the only key that can be absent
    const std::string printed = config::to_toml(config);
    const toml::table parsed = toml::parse(printed, std::string_view("to_toml"));
    for (const auto& key : config::detail::config_keys()) {
        EXPECT_TRUE(parsed.at_path(key.name).node() != nullptr) << key.name;
    }
}

TEST(InvalidUtf8, IsRejectedSoOutputStaysToml) {
    config::CommandLine command_line;
    command_line.listen = "host\xff:80";
    try {
        config::load(command_line, {});
        ADD_FAILURE() << "accepted invalid UTF-8";
    } catch (const config::ConfigError& e) {
        EXPECT_STREQ(e.what(), "command line --listen: server.listen: is not valid UTF-8");
    }
}

} // namespace
} // namespace ephpm::testing
