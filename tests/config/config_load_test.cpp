// The layers: defaults < ephpm.toml < EPHPM_* environment < command line, plus
// $PORT, and where relative paths are resolved.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/config_fixture.hpp"
#include "ephpm/config/load.hpp"

namespace ephpm::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::StartsWith;

using LoadTest = ConfigTest;

TEST_F(LoadTest, NoFileGivesTheDefaults) {
    CurrentDirectory cwd(dir_);
    const config::Config config = config::load({}, {});
    EXPECT_EQ(config.server.listen, "127.0.0.1:8080");
    EXPECT_EQ(config.server.document_root, dir_.string()); // "." is the current directory
    EXPECT_THAT(config.server.index_files, ElementsAre("index.php", "index.html"));
    EXPECT_EQ(config.logging.level, "info");
    EXPECT_EQ(config.php.workers, 0);
    EXPECT_EQ(config.php.memory_limit, "128M");
    EXPECT_EQ(config.php.max_execution_time, 30);
    EXPECT_FALSE(config.php.ini_file.has_value());
    EXPECT_TRUE(config.php.ini_overrides.empty());
    EXPECT_TRUE(config.php.opcache_validate_timestamps);
}

TEST_F(LoadTest, FileSetsEveryKey) {
    write("php.ini", "");
    const config::Config config = load_toml(R"(
[server]
listen = "[::1]:9000"
document_root = "public"
index_files = ["app.php"]

[server.logging]
level = "warn"

[php]
workers = 3
memory_limit = "1G"
max_execution_time = 0
ini_file = "php.ini"
ini_overrides = [["display_errors", "1"], ["date.timezone", "UTC"]]
opcache_validate_timestamps = false
)");
    EXPECT_EQ(config.server.listen, "[::1]:9000");
    EXPECT_EQ(config.server.document_root, (dir_ / "public").string());
    EXPECT_THAT(config.server.index_files, ElementsAre("app.php"));
    EXPECT_EQ(config.logging.level, "warn");
    EXPECT_EQ(config.php.workers, 3);
    EXPECT_EQ(config.php.memory_limit, "1G");
    EXPECT_EQ(config.php.max_execution_time, 0);
    EXPECT_EQ(config.php.ini_file, (dir_ / "php.ini").string());
    EXPECT_THAT(config.php.ini_overrides,
                ElementsAre(Pair("display_errors", "1"), Pair("date.timezone", "UTC")));
    EXPECT_FALSE(config.php.opcache_validate_timestamps);
}

TEST_F(LoadTest, LayersOverrideInOrder) {
    make_dir("from_file");
    make_dir("from_env");
    make_dir("from_cli");
    CurrentDirectory cwd(dir_);
    const std::string toml =
        "[server]\nlisten = \"127.0.0.1:1001\"\ndocument_root = \"from_file\"\n"
        "[php]\nworkers = 1\n";
    const config::Environment environment = {
        {"EPHPM_SERVER__LISTEN", "127.0.0.1:1002"},
        {"EPHPM_SERVER__DOCUMENT_ROOT", "from_env"},
        {"EPHPM_PHP__WORKERS", "2"},
    };
    config::CommandLine command_line;
    command_line.listen = "127.0.0.1:1003";
    command_line.document_root = "from_cli";

    // defaults < file
    config::Config config = load_toml(toml);
    EXPECT_EQ(config.server.listen, "127.0.0.1:1001");
    EXPECT_EQ(config.server.document_root, (dir_ / "from_file").string());
    EXPECT_EQ(config.php.workers, 1);
    EXPECT_EQ(config.php.memory_limit, "128M"); // untouched keys keep their defaults

    // file < environment
    config = load_toml(toml, environment);
    EXPECT_EQ(config.server.listen, "127.0.0.1:1002");
    EXPECT_EQ(config.server.document_root, (dir_ / "from_env").string());
    EXPECT_EQ(config.php.workers, 2);

    // environment < command line
    config = load_toml(toml, environment, command_line);
    EXPECT_EQ(config.server.listen, "127.0.0.1:1003");
    EXPECT_EQ(config.server.document_root, (dir_ / "from_cli").string());
    EXPECT_EQ(config.php.workers, 2); // no flag for it

    // Without a file the other layers still apply over the defaults.
    config = config::load(command_line, environment);
    EXPECT_EQ(config.server.listen, "127.0.0.1:1003");
    EXPECT_EQ(config.php.workers, 2);
}

TEST_F(LoadTest, VerbosityLowersTheLevelStepByStep) {
    config::CommandLine command_line;
    EXPECT_EQ(config::load(command_line, {}).logging.level, "info");
    command_line.verbosity = 1;
    EXPECT_EQ(config::load(command_line, {}).logging.level, "debug");
    command_line.verbosity = 2;
    EXPECT_EQ(config::load(command_line, {}).logging.level, "trace");
    command_line.verbosity = 5;
    EXPECT_EQ(config::load(command_line, {}).logging.level, "trace");
    // It starts from whatever the lower layers chose.
    command_line.verbosity = 1;
    EXPECT_EQ(load_toml("[server.logging]\nlevel = \"error\"\n", {}, command_line).logging.level,
              "warn");
    EXPECT_EQ(config::load(command_line, {{"EPHPM_SERVER__LOGGING__LEVEL", "off"}}).logging.level,
              "error");
}

TEST_F(LoadTest, MissingConfigFileNamesThePath) {
    config::CommandLine command_line;
    command_line.config_path = (dir_ / "nope.toml").string();
    EXPECT_EQ(error(command_line, {}), (dir_ / "nope.toml").string() + ": config file not found");
    command_line.config_path = dir_.string();
    EXPECT_EQ(error(command_line, {}), dir_.string() + ": is a directory, not a config file");
}

TEST_F(LoadTest, NoConfigPathReadsNoFile) {
    // An ephpm.toml in the current directory is not picked up implicitly.
    write("ephpm.toml", "this is not TOML");
    CurrentDirectory cwd(dir_);
    EXPECT_EQ(config::load({}, {}).server.listen, "127.0.0.1:8080");
}

TEST_F(LoadTest, RelativeDocumentRootInFileIsRelativeToTheFile) {
    make_dir("site/public");
    make_dir("elsewhere/public"); // would be picked if resolved against the cwd
    config::CommandLine command_line;
    command_line.config_path =
        write("site/conf/ephpm.toml", "[server]\ndocument_root = \"../public\"\n").string();
    CurrentDirectory cwd(dir_ / "elsewhere");
    EXPECT_EQ(config::load(command_line, {}).server.document_root, (dir_ / "site/public").string());
}

TEST_F(LoadTest, ConfigPathItselfMayBeRelative) {
    make_dir("site/public");
    write("site/ephpm.toml", "[server]\ndocument_root = \"public\"\n");
    CurrentDirectory cwd(dir_);
    config::CommandLine command_line;
    command_line.config_path = "site/ephpm.toml";
    EXPECT_EQ(config::load(command_line, {}).server.document_root, (dir_ / "site/public").string());
}

TEST_F(LoadTest, RelativeDocumentRootFromEnvironmentOrFlagIsRelativeToTheCwd) {
    make_dir("a/web");
    CurrentDirectory cwd(dir_ / "a");
    EXPECT_EQ(config::load({}, {{"EPHPM_SERVER__DOCUMENT_ROOT", "web"}}).server.document_root,
              (dir_ / "a/web").string());
    config::CommandLine command_line;
    command_line.document_root = "./web/../web/";
    EXPECT_EQ(config::load(command_line, {}).server.document_root, (dir_ / "a/web").string());
}

TEST_F(LoadTest, DocumentRootIsCanonical) {
    make_dir("real/root");
    fs::create_directory_symlink(dir_ / "real", dir_ / "link");
    config::CommandLine command_line;
    command_line.document_root = (dir_ / "link/./root/../root").string();
    EXPECT_EQ(config::load(command_line, {}).server.document_root, (dir_ / "real/root").string());
}

TEST_F(LoadTest, DocumentRootMustBeAnExistingDirectory) {
    EXPECT_EQ(toml_error("[server]\ndocument_root = \"missing\"\n"),
              config_path() + ":2:17: server.document_root: " + (dir_ / "missing").string() +
                  " does not exist");
    write("file.txt", "x");
    EXPECT_EQ(toml_error("[server]\ndocument_root = \"file.txt\"\n"),
              config_path() + ":2:17: server.document_root: " + (dir_ / "file.txt").string() +
                  " is not a directory");

    config::CommandLine command_line;
    command_line.document_root = (dir_ / "missing").string();
    EXPECT_THAT(error(command_line, {}),
                StartsWith("command line --document-root: server.document_root: "));
    EXPECT_THAT(error({}, {{"EPHPM_SERVER__DOCUMENT_ROOT", (dir_ / "missing").string()}}),
                StartsWith("environment EPHPM_SERVER__DOCUMENT_ROOT: server.document_root: "));
}

TEST_F(LoadTest, MissingDocumentRootInALowerLayerIsFineWhenOverridden) {
    config::CommandLine command_line;
    command_line.document_root = (dir_ / "public").string();
    EXPECT_EQ(
        load_toml("[server]\ndocument_root = \"missing\"\n", {}, command_line).server.document_root,
        (dir_ / "public").string());
}

TEST_F(LoadTest, IniFileIsResolvedAndMustExist) {
    write("conf/custom.ini", "");
    config::CommandLine command_line;
    command_line.config_path =
        write("conf/ephpm.toml", "[php]\nini_file = \"custom.ini\"\n").string();
    EXPECT_EQ(config::load(command_line, {}).php.ini_file, (dir_ / "conf/custom.ini").string());

    EXPECT_EQ(
        toml_error("[php]\nini_file = \"none.ini\"\n"),
        config_path() + ":2:12: php.ini_file: " + (dir_ / "none.ini").string() + " does not exist");
    EXPECT_EQ(toml_error("[php]\nini_file = \"\"\n"),
              config_path() + ":2:12: php.ini_file: must not be empty");
}

TEST_F(LoadTest, PortSetsTheListenAddressOnAllInterfaces) {
    EXPECT_EQ(config::load({}, {{"PORT", "9000"}}).server.listen, "0.0.0.0:9000");
    EXPECT_EQ(config::load({}, {{"PORT", "08080"}}).server.listen, "0.0.0.0:8080");
}

TEST_F(LoadTest, AnyExplicitListenWinsOverPort) {
    EXPECT_EQ(load_toml("[server]\nlisten = \"127.0.0.1:1\"\n", {{"PORT", "9000"}}).server.listen,
              "127.0.0.1:1");
    EXPECT_EQ(
        config::load({}, {{"PORT", "9000"}, {"EPHPM_SERVER__LISTEN", "127.0.0.1:2"}}).server.listen,
        "127.0.0.1:2");
    config::CommandLine command_line;
    command_line.listen = "127.0.0.1:3";
    EXPECT_EQ(config::load(command_line, {{"PORT", "9000"}}).server.listen, "127.0.0.1:3");
    // Ignored, so not even checked.
    EXPECT_EQ(config::load(command_line, {{"PORT", "junk"}}).server.listen, "127.0.0.1:3");
}

TEST_F(LoadTest, BadPortNamesPort) {
    EXPECT_EQ(error({}, {{"PORT", "http"}}),
              "environment PORT: the port must be a number 1..65535, got \"http\"");
    EXPECT_EQ(error({}, {{"PORT", "0"}}), "environment PORT: port 0 is out of range 1..65535");
    EXPECT_EQ(error({}, {{"PORT", "70000"}}),
              "environment PORT: port 70000 is out of range 1..65535");
    EXPECT_THAT(error({}, {{"PORT", ""}}), StartsWith("environment PORT: "));
}

TEST_F(LoadTest, EnvironmentSetsEveryKind) {
    const config::Config config =
        config::load({}, {
                             {"EPHPM_SERVER__LISTEN", "0.0.0.0:81"},
                             {"EPHPM_SERVER__INDEX_FILES", "[\"app.php\", \"index.htm\"]"},
                             {"EPHPM_SERVER__LOGGING__LEVEL", "DEBUG"},
                             {"EPHPM_PHP__WORKERS", "8"},
                             {"EPHPM_PHP__MEMORY_LIMIT", "512K"},
                             {"EPHPM_PHP__MAX_EXECUTION_TIME", "5"},
                             {"EPHPM_PHP__INI_OVERRIDES", R"([["a", "b"], ["c.d", "e f"]])"},
                             {"EPHPM_PHP__OPCACHE_VALIDATE_TIMESTAMPS", "false"},
                         });
    EXPECT_EQ(config.server.listen, "0.0.0.0:81");
    EXPECT_THAT(config.server.index_files, ElementsAre("app.php", "index.htm"));
    EXPECT_EQ(config.logging.level, "debug");
    EXPECT_EQ(config.php.workers, 8);
    EXPECT_EQ(config.php.memory_limit, "512K");
    EXPECT_EQ(config.php.max_execution_time, 5);
    EXPECT_THAT(config.php.ini_overrides, ElementsAre(Pair("a", "b"), Pair("c.d", "e f")));
    EXPECT_FALSE(config.php.opcache_validate_timestamps);
}

TEST_F(LoadTest, EnvironmentKeyPartIsCaseInsensitive) {
    EXPECT_EQ(config::load({}, {{"EPHPM_php__Workers", "6"}}).php.workers, 6);
}

TEST_F(LoadTest, EnvironmentStringsMayBeQuoted) {
    EXPECT_EQ(config::load({}, {{"EPHPM_SERVER__LISTEN", "\"127.0.0.1:7\""}}).server.listen,
              "127.0.0.1:7");
    EXPECT_EQ(config::load({}, {{"EPHPM_PHP__MEMORY_LIMIT", "'64M'"}}).php.memory_limit, "64M");
    EXPECT_EQ(error({}, {{"EPHPM_PHP__MEMORY_LIMIT", "\"64M"}}),
              "environment EPHPM_PHP__MEMORY_LIMIT: php.memory_limit: expected a string (a TOML "
              "value), got \"\\\"64M\"");
}

TEST_F(LoadTest, EphpmVariablesWithoutDoubleUnderscoreAreNotConfiguration) {
    const config::Config config = config::load({}, {{"EPHPM_CACHE_DIR", "/x"},
                                                    {"EPHPM_PHP_DEB_VERSION", "8.4"},
                                                    {"EPHPM_", ""},
                                                    {"HOME", "/root"},
                                                    {"NOT_EPHPM_PHP__WORKERS", "x"}});
    EXPECT_EQ(config.php.workers, 0);
}

TEST_F(LoadTest, EnvironmentUnknownKeyNamesTheVariable) {
    EXPECT_THAT(error({}, {{"EPHPM_PHP__WORKER", "1"}}),
                StartsWith("environment EPHPM_PHP__WORKER: php.worker is not a configuration "
                           "key"));
    EXPECT_THAT(error({}, {{"EPHPM_SERVER__LOGGING", "debug"}}),
                StartsWith("environment EPHPM_SERVER__LOGGING: server.logging is not a "
                           "configuration key"));
    EXPECT_THAT(error({}, {{"EPHPM_NOPE__LISTEN", "x"}}),
                StartsWith("environment EPHPM_NOPE__LISTEN: nope.listen is not"));
}

TEST_F(LoadTest, EnvironmentTypeErrorsNameTheVariableAndKey) {
    EXPECT_EQ(error({}, {{"EPHPM_PHP__WORKERS", "many"}}),
              "environment EPHPM_PHP__WORKERS: php.workers: expected an integer (a TOML value), "
              "got \"many\"");
    EXPECT_EQ(error({}, {{"EPHPM_PHP__WORKERS", "true"}}),
              "environment EPHPM_PHP__WORKERS: php.workers: expected an integer, got a boolean");
    EXPECT_EQ(error({}, {{"EPHPM_PHP__WORKERS", "-1"}}),
              "environment EPHPM_PHP__WORKERS: php.workers: must be >= 0, got -1");
    // One value only: a newline cannot smuggle in another key.
    EXPECT_THAT(error({}, {{"EPHPM_PHP__WORKERS", "1\nother = 2"}}),
                StartsWith("environment EPHPM_PHP__WORKERS: php.workers: expected an integer"));
    EXPECT_THAT(error({}, {{"EPHPM_PHP__OPCACHE_VALIDATE_TIMESTAMPS", "yes"}}),
                StartsWith("environment EPHPM_PHP__OPCACHE_VALIDATE_TIMESTAMPS: "
                           "php.opcache_validate_timestamps: expected a boolean"));
    EXPECT_EQ(error({}, {{"EPHPM_PHP__INI_OVERRIDES", R"([["a"]])"}}),
              "environment EPHPM_PHP__INI_OVERRIDES: php.ini_overrides[0]: expected a [\"key\", "
              "\"value\"] pair, got an array of 1");
    EXPECT_EQ(error({}, {{"EPHPM_SERVER__LISTEN", "8080"}}),
              "environment EPHPM_SERVER__LISTEN: server.listen: expected host:port (e.g. "
              "127.0.0.1:8080, 0.0.0.0:80 or [::1]:8080), got \"8080\" without a port");
}

TEST_F(LoadTest, CommandLineErrorsNameTheFlag) {
    config::CommandLine command_line;
    command_line.listen = "localhost";
    EXPECT_THAT(error(command_line, {}),
                StartsWith("command line --listen: server.listen: expected host:port"));
}

// The suite runs no other threads, so touching the environment is safe here.
TEST_F(LoadTest, CurrentEnvironmentReadsTheProcessEnvironment) {
    ASSERT_EQ(setenv("EPHPM_CONFIG_TEST_VARIABLE", "a=b", 1), 0); // NOLINT(concurrency-mt-unsafe)
    const config::Environment environment = config::current_environment();
    unsetenv("EPHPM_CONFIG_TEST_VARIABLE"); // NOLINT(concurrency-mt-unsafe)
    ASSERT_EQ(environment.count("EPHPM_CONFIG_TEST_VARIABLE"), 1u);
    EXPECT_EQ(environment.at("EPHPM_CONFIG_TEST_VARIABLE"), "a=b");
}

} // namespace
} // namespace ephpm::testing
