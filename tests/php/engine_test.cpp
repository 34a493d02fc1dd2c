// The embedded engine is the one this server promises: PHP 8.4, ZTS, our own
// SAPI, and OPcache compiled in, switched on and actually caching.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "php/php_environment.hpp"

namespace ephpm::testing {
namespace {

nlohmann::json run_engine_info() {
    CapturedResponse out;
    return run_json(pool(), fixture_job("engine_info.php", out));
}

TEST(Engine, IsPhp84ZtsWithOurSapi) {
    auto info = run_engine_info();
    EXPECT_EQ(info["version"].get<std::string>().rfind("8.4.", 0), 0u) << info.dump();
    EXPECT_TRUE(info["zts"].get<bool>());
    EXPECT_EQ(info["sapi"], "ephpm");
}

TEST(Engine, OpcacheIsEnabledAndCaches) {
    run_engine_info(); // the script is cached at the latest after this run
    auto info = run_engine_info();
    ASSERT_TRUE(info["opcache"].is_object()) << "opcache_get_status() returned false";
    EXPECT_TRUE(info["opcache"]["enabled"].get<bool>());
    EXPECT_TRUE(info["opcache"]["script_cached"].get<bool>());
    EXPECT_GT(info["opcache"]["hits"].get<long>(), 0);
}

// The default ("wordpress") suite: what WordPress needs, and what
// php8.2-common and the common php8.2-* modules give a Debian user
// (scripts/php/suites.sh).
constexpr const char* kWordpressSuite[] = {
    "bcmath",    "bz2",     "calendar",  "ctype",      "curl",    "dom",     "exif",     "fileinfo",
    "filter",    "ftp",     "gd",        "gettext",    "iconv",   "intl",    "mbstring", "mysqli",
    "mysqlnd",   "openssl", "pdo_mysql", "pdo_sqlite", "Phar",    "posix",   "session",  "shmop",
    "SimpleXML", "soap",    "sockets",   "sodium",     "sqlite3", "sysvmsg", "sysvsem",  "sysvshm",
    "tokenizer", "xml",     "xmlreader", "xmlwriter",  "xsl",     "zip",     "zlib"};

TEST(Engine, WordpressExtensionSuiteIsCompiledIn) {
    auto info = runtime().info();
    for (const char* ext : kWordpressSuite) {
        EXPECT_NE(std::find(info.extensions.begin(), info.extensions.end(), ext),
                  info.extensions.end())
            << ext << " is missing";
    }
    for (const char* ext : {"hash", "json", "pcre", "PDO", "random", "Reflection", "SPL"}) {
        EXPECT_NE(std::find(info.extensions.begin(), info.extensions.end(), ext),
                  info.extensions.end())
            << ext << " is missing";
    }
    EXPECT_NE(std::find(info.zend_extensions.begin(), info.zend_extensions.end(), "Zend OPcache"),
              info.zend_extensions.end());
}

// Loaded is not enough: one real call through each extension of the suite.
TEST(Engine, EveryExtensionOfTheSuiteAnswersACall) {
    std::string names;
    for (const char* ext : kWordpressSuite) names += std::string(names.empty() ? "" : ",") + ext;
    CapturedResponse out;
    auto results = run_json(pool(), fixture_job("extension_smoke.php", out, "ext=" + names));
    ASSERT_EQ(results.size(), std::size(kWordpressSuite)) << results.dump();
    for (const auto& [ext, result] : results.items()) EXPECT_EQ(result, "ok") << ext;
}

// Lowest first: PHP's defaults < ePHPm's defaults < php.ini < [php] settings
// and ini_overrides.
TEST(Engine, IniPrecedence) {
    CapturedResponse out;
    auto ini = run_json(pool(), fixture_job("ini_values.php", out, "x=1"));
    EXPECT_EQ(ini["loaded_ini"], std::string(EPHPM_FIXTURES_DIR) + "/ephpm-test.ini");
    EXPECT_EQ(ini["html_errors"], "1") << "php.ini must win over ePHPm's defaults";
    EXPECT_EQ(ini["precision"], "10") << "php.ini must win over PHP's defaults";
    EXPECT_EQ(ini["memory_limit"], "128M") << "the [php] setting must win over php.ini";
    EXPECT_EQ(ini["display_errors"], "0") << "ePHPm's default applies where php.ini is silent";
    EXPECT_EQ(ini["log_errors"], "1");
    EXPECT_EQ(ini["register_argc_argv"], "0");
    EXPECT_FALSE(ini["argv_set"].get<bool>()) << "$_SERVER['argv'] built from the query string";
    // DB_HOST "localhost" must reach Debian's MariaDB socket.
    EXPECT_EQ(ini["mysqli_socket"], "/run/mysqld/mysqld.sock");
    EXPECT_EQ(ini["pdo_mysql_socket"], "/run/mysqld/mysqld.sock");
    // Debian's packaged PHP libraries are found as with Debian's PHP.
    EXPECT_EQ(ini["include_path"], ".:/usr/share/php");
}

TEST(Engine, MissingScriptIsNotFound) {
    CapturedResponse out;
    auto result = pool().execute(fixture_job("does_not_exist.php", out));
    EXPECT_EQ(result.outcome, php::Outcome::not_found);
    EXPECT_EQ(php::http_status_for(result), 404);
}

} // namespace
} // namespace ephpm::testing
