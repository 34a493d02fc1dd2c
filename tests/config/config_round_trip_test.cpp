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
    EXPECT_EQ(a.server.fallback, b.server.fallback);
    EXPECT_EQ(a.server.request.max_body_size, b.server.request.max_body_size);
    EXPECT_EQ(a.server.request.max_header_size, b.server.request.max_header_size);
    EXPECT_EQ(a.server.timeouts.header_read, b.server.timeouts.header_read);
    EXPECT_EQ(a.server.timeouts.body, b.server.timeouts.body);
    EXPECT_EQ(a.server.timeouts.idle, b.server.timeouts.idle);
    EXPECT_EQ(a.server.timeouts.request, b.server.timeouts.request);
    EXPECT_EQ(a.server.timeouts.shutdown, b.server.timeouts.shutdown);
    EXPECT_EQ(a.server.static_files.cache_control, b.server.static_files.cache_control);
    EXPECT_EQ(a.server.static_files.hidden_files, b.server.static_files.hidden_files);
    EXPECT_EQ(a.server.static_files.etag, b.server.static_files.etag);
    EXPECT_EQ(a.logging.level, b.logging.level);
    EXPECT_EQ(a.logging.access, b.logging.access);
    EXPECT_EQ(a.logging.access_format, b.logging.access_format);
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
              "fallback = [\"$uri\", \"$uri/\", \"/index.php?$query_string\"]\n"
              "io_threads = 0\n"
              "\n"
              "[server.request]\n"
              "max_body_size = \"8M\"\n"
              "max_header_size = \"16K\"\n"
              "\n"
              "[server.timeouts]\n"
              "header_read = \"30s\"\n"
              "body = \"1m\"\n"
              "idle = \"1m\"\n"
              "request = \"1m\"\n"
              "shutdown = \"10s\"\n"
              "\n"
              "[server.static]\n"
              "cache_control = \"\"\n"
              "hidden_files = \"deny\"\n"
              "etag = true\n"
              "\n"
              "[server.logging]\n"
              "level = \"info\"\n"
              "access = \"stdout\"\n"
              "access_format = \"combined\"\n"
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
    make_dir("logs");
    write("php.ini", "");
    const config::Config first = load_toml(R"(
[server]
listen = "[::1]:9000"
document_root = 'dir with spaces/"quoted" ü'
index_files = ["app.php", "default.htm"]
fallback = ["$uri", "$uri.html", "/app.php?route=$uri&$args"]

[server.request]
max_body_size = 1500
max_header_size = "1536K"

[server.timeouts]
header_read = "1500ms"
body = "45s"
idle = 90
request = 0
shutdown = "2h"

[server.static]
cache_control = "public, max-age=\"3600\""
hidden_files = "ignore"
etag = false

[server.logging]
level = "trace"
access = "logs/access.log"
access_format = "json"

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
