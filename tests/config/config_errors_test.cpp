// Mistakes in ephpm.toml: each message names file:line:column and the key.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config_fixture.hpp"

namespace ephpm::testing {
namespace {

using ::testing::StartsWith;

using ErrorTest = ConfigTest;

TEST_F(ErrorTest, TomlSyntaxErrorHasLineAndColumn) {
    EXPECT_EQ(toml_error("[server]\nlisten = \"127.0.0.1:80\"\nlisten = \"127.0.0.1:81\"\n"),
              config_path() +
                  ":3:10: Error while parsing key-value pair: cannot redefine existing string "
                  "'listen'");
    EXPECT_THAT(
        toml_error("[php]\nworkers = [1,\n"),
        StartsWith(config_path() + ":2:15: Error while parsing array: encountered end-of-file"));
    EXPECT_THAT(toml_error("[server]\nlisten = 127.0.0.1:80\n"), StartsWith(config_path() + ":2:"));
}

TEST_F(ErrorTest, WrongTypeNamesBothTypes) {
    EXPECT_EQ(toml_error("[server]\nlisten = 8080\n"),
              config_path() + ":2:10: server.listen: expected a string, got an integer");
    EXPECT_EQ(toml_error("[php]\nworkers = 2.5\n"),
              config_path() +
                  ":2:11: php.workers: expected an integer, got a floating-point "
                  "number");
    EXPECT_EQ(toml_error("[php]\nworkers = \"4\"\n"),
              config_path() + ":2:11: php.workers: expected an integer, got a string");
    EXPECT_EQ(toml_error("[php]\nopcache_validate_timestamps = 1\n"),
              config_path() +
                  ":2:31: php.opcache_validate_timestamps: expected a boolean, got an integer");
    EXPECT_EQ(
        toml_error("[server]\nindex_files = \"index.php\"\n"),
        config_path() + ":2:15: server.index_files: expected an array of file names, got a string");
    EXPECT_EQ(toml_error("[server.logging]\nlevel = 1979-05-27\n"),
              config_path() + ":2:9: server.logging.level: expected a string, got a date");
}

TEST_F(ErrorTest, TablesAndKeysMustNotBeSwapped) {
    EXPECT_EQ(toml_error("server = 1\n"),
              config_path() + ":1:10: server: expected a table, got an integer");
    EXPECT_EQ(toml_error("[[php]]\nworkers = 1\n"),
              config_path() + ":1:1: php: expected a table, got an array");
    EXPECT_EQ(toml_error("[server.listen]\nport = 1\n"),
              config_path() + ":1:1: server.listen: expected a string, got a table");
}

TEST_F(ErrorTest, UnknownKeyListsTheKnownOnes) {
    EXPECT_EQ(toml_error("[server]\nlisten = \"127.0.0.1:80\"\n  lisen = \"x\"\n"),
              config_path() +
                  ":3:3: server.lisen: unknown key (expected in [server]: listen, "
                  "document_root, index_files, fallback, io_threads, request, timeouts, static, "
                  "logging)");
    EXPECT_EQ(
        toml_error("workers = 4\n"),
        config_path() + ":1:1: workers: unknown key (expected at the top level: server, php)");
    EXPECT_EQ(toml_error("[php]\nworkers = 1\nopcache.enable = 1\n"),
              config_path() +
                  ":3:1: php.opcache: unknown table (expected in [php]: workers, "
                  "memory_limit, max_execution_time, ini_file, ini_overrides, "
                  "opcache_validate_timestamps)");
}

TEST_F(ErrorTest, UnknownTableIsAnError) {
    EXPECT_EQ(toml_error("[server]\nlisten = \"127.0.0.1:80\"\n\n[database]\nurl = \"x\"\n"),
              config_path() +
                  ":4:2: database: unknown table (expected at the top level: "
                  "server, php)");
    EXPECT_THAT(toml_error("[server.logs]\nlevel = \"info\"\n"),
                StartsWith(config_path() + ":1:9: server.logs: unknown table"));
}

TEST_F(ErrorTest, FirstProblemInTheDocumentIsReported) {
    // "php" sorts before "server", but the server mistake comes first.
    EXPECT_EQ(toml_error("[server]\nlisten = 1\n[php]\nworkers = -1\n"),
              config_path() + ":2:10: server.listen: expected a string, got an integer");
}

TEST_F(ErrorTest, ImpossibleNumbers) {
    EXPECT_EQ(toml_error("[php]\nworkers = -1\n"),
              config_path() + ":2:11: php.workers: must be >= 0, got -1");
    EXPECT_EQ(toml_error("[php]\n      workers = 3000000000\n"),
              config_path() + ":2:17: php.workers: must be <= 2147483647, got 3000000000");
    EXPECT_EQ(toml_error("[php]\nmax_execution_time = -30\n"),
              config_path() + ":2:22: php.max_execution_time: must be >= 0, got -30");
}

struct BadListen {
    const char* listen;
    const char* message;
};

class BadListenTest : public ConfigTest, public ::testing::WithParamInterface<BadListen> {};

TEST_P(BadListenTest, IsRejectedWithTheReason) {
    const BadListen& bad = GetParam();
    EXPECT_EQ(toml_error(std::string("[server]\nlisten = \"") + bad.listen + "\"\n"),
              config_path() + ":2:10: server.listen: " + bad.message);
}

INSTANTIATE_TEST_SUITE_P(
    Listen, BadListenTest,
    ::testing::Values(
        BadListen{"127.0.0.1",
                  "expected host:port (e.g. 127.0.0.1:8080, 0.0.0.0:80 or "
                  "[::1]:8080), got \"127.0.0.1\" without a port"},
        BadListen{"127.0.0.1:0", "port 0 is out of range 1..65535"},
        BadListen{"127.0.0.1:70000", "port 70000 is out of range 1..65535"},
        BadListen{"127.0.0.1:", "the port must be a number 1..65535, got \"\""},
        BadListen{"127.0.0.1:80x", "the port must be a number 1..65535, got \"80x\""},
        BadListen{"127.0.0.1:-1", "the port must be a number 1..65535, got \"-1\""},
        BadListen{"garbage",
                  "expected host:port (e.g. 127.0.0.1:8080, 0.0.0.0:80 or "
                  "[::1]:8080), got \"garbage\" without a port"},
        BadListen{"",
                  "expected host:port (e.g. 127.0.0.1:8080, 0.0.0.0:80 or [::1]:8080), got "
                  "\"\" without a port"},
        BadListen{":8080",
                  "the host is missing in \":8080\" (0.0.0.0 listens on every IPv4 "
                  "interface)"},
        BadListen{"::1:8080",
                  "an IPv6 address needs brackets, e.g. [::1]:8080, got "
                  "\"::1:8080\""},
        BadListen{"[::1]",
                  "expected [address]:port (e.g. 127.0.0.1:8080, 0.0.0.0:80 or "
                  "[::1]:8080), got \"[::1]\""},
        BadListen{"[::1]:", "the port must be a number 1..65535, got \"\""},
        BadListen{"[nope]:80", "\"nope\" is not an IPv6 address"},
        BadListen{"300.1.2.3:80",
                  "\"300.1.2.3\" is neither an IP address nor a host name (in \"300.1.2.3:80\")"},
        BadListen{"my host:80",
                  "\"my host\" is neither an IP address nor a host name (in \"my host:80\")"},
        BadListen{"-bad.example:80",
                  "\"-bad.example\" is neither an IP address nor a host name "
                  "(in \"-bad.example:80\")"}));

TEST_F(ErrorTest, GoodListenAddresses) {
    for (const char* listen : {"0.0.0.0:1", "127.0.0.1:65535", "[::1]:8080", "[::]:80",
                               "localhost:8080", "app.example.com:443"}) {
        EXPECT_EQ(load_toml(std::string("[server]\nlisten = \"") + listen + "\"\n").server.listen,
                  listen);
    }
}

TEST_F(ErrorTest, MemoryLimit) {
    for (const char* limit : {"128M", "1G", "512K", "1048576", "-1", "256m", "2g", "64k"}) {
        EXPECT_EQ(
            load_toml(std::string("[php]\nmemory_limit = \"") + limit + "\"\n").php.memory_limit,
            limit);
    }
    const std::string expected =
        "expected a size such as \"128M\", \"1G\", \"512K\", "
        "\"1048576\" or \"-1\" (unlimited), got ";
    for (const char* limit : {"12X", "", "M", "-2", "1.5G", " 128M", "128 M", "128MB"}) {
        EXPECT_EQ(toml_error(std::string("[php]\nmemory_limit = \"") + limit + "\"\n"),
                  config_path() + ":2:16: php.memory_limit: " + expected + "\"" + limit + "\"");
    }
    EXPECT_EQ(toml_error("[php]\nmemory_limit = \"0\"\n"),
              config_path() +
                  ":2:16: php.memory_limit: must be a positive size or \"-1\" (unlimited), got 0");
    EXPECT_EQ(toml_error("[php]\nmemory_limit = \"99999999999G\"\n"),
              config_path() + ":2:16: php.memory_limit: \"99999999999G\" is too large");
}

TEST_F(ErrorTest, LogLevel) {
    EXPECT_EQ(load_toml("[server.logging]\nlevel = \"Trace\"\n").logging.level, "trace");
    EXPECT_EQ(toml_error("[server.logging]\nlevel = \"verbose\"\n"),
              config_path() +
                  ":2:9: server.logging.level: expected one of trace, debug, info, "
                  "warn, error, off, got \"verbose\"");
}

TEST_F(ErrorTest, IndexFilesArePlainFileNames) {
    EXPECT_EQ(toml_error("[server]\nindex_files = [\"index.php\", \"a/b.php\"]\n"),
              config_path() +
                  ":2:29: server.index_files[1]: must be a plain file name without "
                  "'/', got \"a/b.php\"");
    EXPECT_EQ(toml_error("[server]\nindex_files = [\"\"]\n"),
              config_path() + ":2:16: server.index_files[0]: expected a file name, got \"\"");
    EXPECT_EQ(toml_error("[server]\nindex_files = [\"..\"]\n"),
              config_path() + ":2:16: server.index_files[0]: expected a file name, got \"..\"");
    EXPECT_EQ(toml_error("[server]\nindex_files = [\"a.php\", 3]\n"),
              config_path() + ":2:25: server.index_files[1]: expected a string, got an integer");
    // No index files is allowed: directories then have no index.
    EXPECT_TRUE(load_toml("[server]\nindex_files = []\n").server.index_files.empty());
}

TEST_F(ErrorTest, IniOverridesShape) {
    const std::string pair = "[\"key\", \"value\"]";
    EXPECT_EQ(toml_error("[php]\nini_overrides = \"a=b\"\n"),
              config_path() + ":2:17: php.ini_overrides: expected an array of " + pair +
                  " pairs, got a string");
    EXPECT_EQ(
        toml_error("[php]\nini_overrides = [\"a\", \"b\"]\n"),
        config_path() + ":2:18: php.ini_overrides[0]: expected a " + pair + " pair, got a string");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a\", \"b\"], [\"c\"]]\n"),
              config_path() + ":2:30: php.ini_overrides[1]: expected a " + pair +
                  " pair, got an array of 1");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a\", \"b\", \"c\"]]\n"),
              config_path() + ":2:18: php.ini_overrides[0]: expected a " + pair +
                  " pair, got an array of 3");
    EXPECT_EQ(
        toml_error("[php]\nini_overrides = [{a = \"b\"}]\n"),
        config_path() + ":2:18: php.ini_overrides[0]: expected a " + pair + " pair, got a table");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a\", 1]]\n"),
              config_path() + ":2:24: php.ini_overrides[0][1]: expected a string, got an integer");
}

TEST_F(ErrorTest, IniOverridesContent) {
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"\", \"1\"]]\n"),
              config_path() + ":2:19: php.ini_overrides[0][0]: the ini key must not be empty");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a\", \"1\\nb=2\"]]\n"),
              config_path() +
                  ":2:24: php.ini_overrides[0][1]: must not contain a line break "
                  "or NUL character");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a\\u0000\", \"1\"]]\n"),
              config_path() +
                  ":2:19: php.ini_overrides[0][0]: must not contain a line break "
                  "or NUL character");
    EXPECT_EQ(toml_error("[php]\nini_overrides = [[\"a=b\", \"1\"]]\n"),
              config_path() +
                  ":2:19: php.ini_overrides[0][0]: the ini key must not contain '=', got \"a=b\"");
    // Values may hold anything else, '=' and quotes included.
    EXPECT_EQ(load_toml("[php]\nini_overrides = [[\"a\", \"x=\\\"y\\\"\"]]\n")
                  .php.ini_overrides.at(0)
                  .second,
              "x=\"y\"");
}

} // namespace
} // namespace ephpm::testing
