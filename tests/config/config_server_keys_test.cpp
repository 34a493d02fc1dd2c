// The [server] fallback chain, [server.request] sizes, [server.timeouts]
// durations, [server.static] and the access log keys: defaults, spellings,
// errors with their position, and the environment.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config_fixture.hpp"

namespace ephpm::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;
using namespace std::chrono_literals;

using ServerKeysTest = ConfigTest;

TEST_F(ServerKeysTest, Defaults) {
    // An empty file is all defaults.
    const config::Config config = load_toml("");
    EXPECT_THAT(config.server.fallback, ElementsAre("$uri", "$uri/", "/index.php?$query_string"));
    EXPECT_EQ(config.server.io_threads, 0);
    EXPECT_EQ(config.server.request.max_body_size, 8u * 1024 * 1024);
    EXPECT_EQ(config.server.request.max_header_size, 16u * 1024);
    EXPECT_EQ(config.server.timeouts.header_read, 30s);
    EXPECT_EQ(config.server.timeouts.body, 60s);
    EXPECT_EQ(config.server.timeouts.idle, 60s);
    EXPECT_EQ(config.server.timeouts.request, 60s);
    EXPECT_EQ(config.server.timeouts.shutdown, 10s);
    EXPECT_EQ(config.server.static_files.cache_control, "");
    EXPECT_EQ(config.server.static_files.hidden_files, config::HiddenFiles::deny);
    EXPECT_TRUE(config.server.static_files.etag);
    EXPECT_EQ(config.logging.access, "stdout");
    EXPECT_EQ(config.logging.access_format, config::AccessFormat::combined);
}

TEST_F(ServerKeysTest, FileSetsEveryKey) {
    make_dir("logs");
    const config::Config config = load_toml(R"(
[server]
fallback = ["$uri", "$uri.html", "/app.php?r=$uri&$args"]
io_threads = 3

[server.request]
max_body_size = "64M"
max_header_size = 4096

[server.timeouts]
header_read = "500ms"
body = "20s"
idle = 75
request = 0
shutdown = "2m"

[server.static]
cache_control = "public, max-age=3600"
hidden_files = "ignore"
etag = false

[server.logging]
access = "logs/access.log"
access_format = "json"
)");
    EXPECT_THAT(config.server.fallback, ElementsAre("$uri", "$uri.html", "/app.php?r=$uri&$args"));
    EXPECT_EQ(config.server.io_threads, 3);
    EXPECT_EQ(config.server.request.max_body_size, 64u << 20);
    EXPECT_EQ(config.server.request.max_header_size, 4096u);
    EXPECT_EQ(config.server.timeouts.header_read, 500ms);
    EXPECT_EQ(config.server.timeouts.body, 20s);
    EXPECT_EQ(config.server.timeouts.idle, 75s);
    EXPECT_EQ(config.server.timeouts.request, 0ms);
    EXPECT_EQ(config.server.timeouts.shutdown, 2min);
    EXPECT_EQ(config.server.static_files.cache_control, "public, max-age=3600");
    EXPECT_EQ(config.server.static_files.hidden_files, config::HiddenFiles::ignore);
    EXPECT_FALSE(config.server.static_files.etag);
    // Relative to the config file's directory, like document_root.
    EXPECT_EQ(config.logging.access, (dir_ / "logs/access.log").string());
    EXPECT_EQ(config.logging.access_format, config::AccessFormat::json);
}

TEST_F(ServerKeysTest, SizesTakeTheMemoryLimitSpellings) {
    struct Case {
        const char* value;
        std::uint64_t bytes;
    };
    for (const Case& c :
         {Case{"1", 1}, Case{"\"16K\"", 16384}, Case{"\"16k\"", 16384}, Case{"\"8M\"", 8u << 20},
          Case{"\"1G\"", 1u << 30}, Case{"\"1048576\"", 1048576}}) {
        const auto config =
            load_toml(std::string("[server.request]\nmax_body_size = ") + c.value + "\n");
        EXPECT_EQ(config.server.request.max_body_size, c.bytes) << c.value;
    }
}

TEST_F(ServerKeysTest, DurationsTakeUnitsOrSeconds) {
    struct Case {
        const char* value;
        std::chrono::milliseconds duration;
    };
    for (const Case& c : {Case{"1", 1s}, Case{"\"250ms\"", 250ms}, Case{"\"30s\"", 30s},
                          Case{"\"2m\"", 2min}, Case{"\"1h\"", 1h}, Case{"\"168h\"", 168h}}) {
        const auto config = load_toml(std::string("[server.timeouts]\nidle = ") + c.value + "\n");
        EXPECT_EQ(config.server.timeouts.idle, c.duration) << c.value;
    }
}

struct BadValue {
    const char* toml;
    const char* message; // after "<file>:"
};

class BadServerValueTest : public ConfigTest, public ::testing::WithParamInterface<BadValue> {};

TEST_P(BadServerValueTest, NamesLineColumnAndKey) {
    EXPECT_EQ(toml_error(GetParam().toml), config_path() + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    ServerKeys, BadServerValueTest,
    ::testing::Values(
        BadValue{"[server]\nio_threads = -1\n", "2:14: server.io_threads: must be >= 0, got -1"},
        BadValue{"[server]\nio_threads = 5000\n",
                 "2:14: server.io_threads: must be <= 1024, got 5000"},
        // Sizes.
        BadValue{"[server.request]\nmax_body_size = 0\n",
                 "2:17: server.request.max_body_size: must be a positive size, got 0"},
        BadValue{"[server.request]\n\nmax_body_size = -5\n",
                 "3:17: server.request.max_body_size: must be a positive size, got -5"},
        BadValue{"[server.request]\nmax_header_size = \"0K\"\n",
                 "2:19: server.request.max_header_size: must be a positive size, got \"0K\""},
        BadValue{"[server.request]\nmax_body_size = \"8MB\"\n",
                 "2:17: server.request.max_body_size: expected a size such as \"16K\", \"8M\", "
                 "\"1G\" or a number of bytes, got \"8MB\""},
        BadValue{"[server.request]\nmax_body_size = \"-1\"\n",
                 "2:17: server.request.max_body_size: expected a size such as \"16K\", \"8M\", "
                 "\"1G\" or a number of bytes, got \"-1\""},
        BadValue{"[server.request]\nmax_body_size = \"99999999999G\"\n",
                 "2:17: server.request.max_body_size: \"99999999999G\" is too large"},
        BadValue{"[server.request]\nmax_body_size = 1.5\n",
                 "2:17: server.request.max_body_size: expected a size (an integer of bytes or a "
                 "string such as \"8M\"), got a floating-point number"},
        // Durations.
        BadValue{"[server.timeouts]\nidle = 0\n", "2:8: server.timeouts.idle: must be > 0, got 0"},
        BadValue{"[server.timeouts]\nheader_read = \"0s\"\n",
                 "2:15: server.timeouts.header_read: must be > 0, got \"0s\""},
        BadValue{"[server.timeouts]\nbody = \"0ms\"\n",
                 "2:8: server.timeouts.body: must be > 0, got \"0ms\""},
        BadValue{"[server.timeouts]\nshutdown = -1\n",
                 "2:12: server.timeouts.shutdown: must be > 0, got -1"},
        BadValue{"[server.timeouts]\nrequest = -1\n",
                 "2:11: server.timeouts.request: must be >= 0, got -1"},
        BadValue{"[server.timeouts]\nidle = \"30\"\n",
                 "2:8: server.timeouts.idle: expected a duration such as \"500ms\", \"30s\", "
                 "\"2m\", \"1h\" or an integer of seconds, got \"30\""},
        BadValue{"[server.timeouts]\nidle = \"1.5s\"\n",
                 "2:8: server.timeouts.idle: expected a duration such as \"500ms\", \"30s\", "
                 "\"2m\", \"1h\" or an integer of seconds, got \"1.5s\""},
        BadValue{"[server.timeouts]\nidle = \"169h\"\n",
                 "2:8: server.timeouts.idle: must be at most 7 days (\"168h\"), got \"169h\""},
        BadValue{"[server.timeouts]\nidle = 9223372036854775807\n",
                 "2:8: server.timeouts.idle: must be at most 7 days (\"168h\"), got "
                 "9223372036854775807"},
        BadValue{"[server.timeouts]\nidle = true\n",
                 "2:8: server.timeouts.idle: expected a duration (a string such as \"30s\" or an "
                 "integer of seconds), got a boolean"},
        // Static files.
        BadValue{"[server.static]\ncache_control = \"public\\r\\nX-Evil: 1\"\n",
                 "2:17: server.static.cache_control: must not contain a line break, NUL or other "
                 "control character, got \"public\\r\\nX-Evil: 1\""},
        BadValue{"[server.static]\ncache_control = \"a\\u0000b\"\n",
                 "2:17: server.static.cache_control: must not contain a line break, NUL or other "
                 "control character, got \"a\\u0000b\""},
        BadValue{"[server.static]\nhidden_files = \"hide\"\n",
                 "2:16: server.static.hidden_files: expected one of \"deny\", \"ignore\", "
                 "\"allow\", got \"hide\""},
        BadValue{"[server.static]\netag = \"yes\"\n",
                 "2:8: server.static.etag: expected a boolean, got a string"},
        // Access log.
        BadValue{"[server.logging]\naccess_format = \"common\"\n",
                 "2:17: server.logging.access_format: expected one of \"combined\", \"json\", got "
                 "\"common\""},
        BadValue{"[server.logging]\naccess = \"\"\n",
                 "2:10: server.logging.access: must not be empty"},
        // Fallback chain: the element's own position.
        BadValue{"[server]\nfallback = []\n",
                 "2:12: server.fallback: must not be empty (end it with \"=404\" for no "
                 "fallback)"},
        BadValue{"[server]\nfallback = \"$uri\"\n",
                 "2:12: server.fallback: expected an array of strings such as [\"$uri\", "
                 "\"$uri/\", \"/index.php?$query_string\"], got a string"},
        BadValue{"[server]\nfallback = [\"$uri\", \"=404\", \"/index.php\"]\n",
                 "2:21: server.fallback[1]: a status (\"=404\") may only be the last entry, "
                 "got \"=404\""},
        BadValue{"[server]\nfallback = [\"$uri\", \"=200\"]\n",
                 "2:21: server.fallback[1]: a status must be \"=\" and a code 400..599, e.g. "
                 "\"=404\", got \"=200\""},
        BadValue{"[server]\nfallback = [\"$uri\", \"index.php\"]\n",
                 "2:21: server.fallback[1]: the last entry must be a URI starting with '/' or "
                 "\"$uri\", or a status such as \"=404\", got \"index.php\""},
        BadValue{"[server]\nfallback = [\"$uri\", \"/index.php?q=$request_uri\"]\n",
                 "2:21: server.fallback[1]: unknown variable \"$request_uri\" (the last entry may "
                 "use $uri, $query_string, $args and $is_args), got \"/index.php?q=$request_uri\""},
        BadValue{"[server]\nfallback = [\"$uri?$args\", \"=404\"]\n",
                 "2:13: server.fallback[0]: unknown variable \"$args\" (file entries may use only "
                 "$uri), got \"$uri?$args\""},
        BadValue{"[server]\nfallback = [\"/x.html?a\", \"=404\"]\n",
                 "2:13: server.fallback[0]: only the last entry may have a query ('?'), got "
                 "\"/x.html?a\""},
        BadValue{"[server]\nfallback = [\"$uri/../secret\", \"=404\"]\n",
                 "2:13: server.fallback[0]: must not contain a \".\" or \"..\" segment, got "
                 "\"$uri/../secret\""},
        BadValue{"[server]\nfallback = [\"uri\", \"=404\"]\n",
                 "2:13: server.fallback[0]: must start with '/' or \"$uri\", got \"uri\""},
        BadValue{"[server]\nfallback = [\"$uri\", \"/a%2fb\"]\n",
                 "2:21: server.fallback[1]: must not encode '/', '\\' or a control character in "
                 "its path, got \"/a%2fb\""},
        BadValue{"[server]\nfallback = [\"$uri\", 404]\n",
                 "2:21: server.fallback[1]: expected a string, got an integer"}));

TEST_F(ServerKeysTest, AccessLogDirectoryMustExist) {
    EXPECT_EQ(toml_error("[server.logging]\naccess = \"nope/access.log\"\n"),
              config_path() + ":2:10: server.logging.access: the directory " +
                  (dir_ / "nope").string() + " does not exist");
    EXPECT_EQ(toml_error("[server.logging]\naccess = \"public\"\n"),
              config_path() + ":2:10: server.logging.access: " + (dir_ / "public").string() +
                  " is a directory");
    // "stdout" and "off" are not paths.
    EXPECT_EQ(load_toml("[server.logging]\naccess = \"off\"\n").logging.access, "off");
}

TEST_F(ServerKeysTest, EnvironmentSetsTheNestedKeys) {
    CurrentDirectory cwd(dir_);
    const config::Config config =
        config::load({}, {
                             {"EPHPM_SERVER__FALLBACK", R"(["$uri", "=404"])"},
                             {"EPHPM_SERVER__IO_THREADS", "2"},
                             {"EPHPM_SERVER__REQUEST__MAX_BODY_SIZE", "64M"},
                             {"EPHPM_SERVER__REQUEST__MAX_HEADER_SIZE", "2048"},
                             {"EPHPM_SERVER__TIMEOUTS__HEADER_READ", "5s"},
                             {"EPHPM_SERVER__TIMEOUTS__BODY", "90"},
                             {"EPHPM_SERVER__TIMEOUTS__IDLE", "\"250ms\""},
                             {"EPHPM_SERVER__TIMEOUTS__REQUEST", "0"},
                             {"EPHPM_SERVER__TIMEOUTS__SHUTDOWN", "3"},
                             {"EPHPM_SERVER__STATIC__CACHE_CONTROL", "no-cache"},
                             {"EPHPM_SERVER__STATIC__HIDDEN_FILES", "allow"},
                             {"EPHPM_SERVER__STATIC__ETAG", "false"},
                             {"EPHPM_SERVER__LOGGING__ACCESS", "access.log"},
                             {"EPHPM_SERVER__LOGGING__ACCESS_FORMAT", "json"},
                         });
    EXPECT_THAT(config.server.fallback, ElementsAre("$uri", "=404"));
    EXPECT_EQ(config.server.io_threads, 2);
    EXPECT_EQ(config.server.request.max_body_size, 64u << 20);
    EXPECT_EQ(config.server.request.max_header_size, 2048u);
    EXPECT_EQ(config.server.timeouts.header_read, 5s);
    EXPECT_EQ(config.server.timeouts.body, 90s);
    EXPECT_EQ(config.server.timeouts.idle, 250ms);
    EXPECT_EQ(config.server.timeouts.request, 0ms);
    EXPECT_EQ(config.server.timeouts.shutdown, 3s);
    EXPECT_EQ(config.server.static_files.cache_control, "no-cache");
    EXPECT_EQ(config.server.static_files.hidden_files, config::HiddenFiles::allow);
    EXPECT_FALSE(config.server.static_files.etag);
    // From the environment, relative to the working directory.
    EXPECT_EQ(config.logging.access, (dir_ / "access.log").string());
    EXPECT_EQ(config.logging.access_format, config::AccessFormat::json);
}

TEST_F(ServerKeysTest, EnvironmentOverridesTheFile) {
    const config::Config config =
        load_toml("[server.timeouts]\nshutdown = \"1m\"\n[server.request]\nmax_body_size = 10\n",
                  {{"EPHPM_SERVER__TIMEOUTS__SHUTDOWN", "2s"}});
    EXPECT_EQ(config.server.timeouts.shutdown, 2s);
    EXPECT_EQ(config.server.request.max_body_size, 10u);
}

TEST_F(ServerKeysTest, EnvironmentErrorsNameTheVariable) {
    EXPECT_EQ(error({}, {{"EPHPM_SERVER__REQUEST__MAX_BODY_SIZE", "-1"}}),
              "environment EPHPM_SERVER__REQUEST__MAX_BODY_SIZE: server.request.max_body_size: "
              "must be a positive size, got -1");
    EXPECT_EQ(error({}, {{"EPHPM_SERVER__TIMEOUTS__IDLE", "soon"}}),
              "environment EPHPM_SERVER__TIMEOUTS__IDLE: server.timeouts.idle: expected a "
              "duration such as \"500ms\", \"30s\", \"2m\", \"1h\" or an integer of seconds, got "
              "\"soon\"");
    EXPECT_THAT(error({}, {{"EPHPM_SERVER__FALLBACK", R"(["$uri", "/x$nope"])"}}),
                StartsWith("environment EPHPM_SERVER__FALLBACK: server.fallback[1]: unknown "
                           "variable \"$nope\""));
}

TEST_F(ServerKeysTest, CheckConfigPrintsTheNewKeys) {
    const std::string printed = config::to_toml(load_toml(
        "[server.request]\nmax_body_size = 1536\n[server.timeouts]\nidle = \"90s\"\nheader_read "
        "= \"1500ms\"\n[server.static]\nhidden_files = \"allow\"\n"));
    using ::testing::HasSubstr;
    EXPECT_THAT(printed, HasSubstr("\n[server.request]\nmax_body_size = 1536\n"));
    EXPECT_THAT(printed, HasSubstr("\n[server.timeouts]\nheader_read = \"1500ms\"\nbody = \"1m\"\n"
                                   "idle = \"90s\"\n"));
    EXPECT_THAT(printed, HasSubstr("\nhidden_files = \"allow\"\n"));
}

} // namespace
} // namespace ephpm::testing
