// Access log lines: the combined format with its escaping, JSON validity,
// and the file destination (append, many threads, a clear error).

#include "server/access_log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace ephpm::server {
namespace {

using namespace std::chrono_literals;

// 2024-10-10T11:55:36.123Z.
constexpr std::chrono::system_clock::time_point kTime{1728561336123ms};

AccessRecord sample() {
    AccessRecord r;
    r.time = kTime;
    r.remote_address = "10.0.0.7";
    r.method = "GET";
    r.target = "/index.php?a=1";
    r.protocol = "HTTP/1.1";
    r.status = 200;
    r.body_bytes = 2326;
    r.referer = "https://example.com/";
    r.user_agent = "Mozilla/5.0 (X11)";
    r.duration = 1500us;
    return r;
}

// Pins the local time zone for one test, so the combined time is known.
class TimeZone {
public:
    explicit TimeZone(const char* zone) {
        if (const char* old = getenv("TZ")) saved_ = old;
        setenv("TZ", zone, 1);
        tzset();
    }
    ~TimeZone() {
        if (saved_) {
            setenv("TZ", saved_->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }
    TimeZone(const TimeZone&) = delete;
    TimeZone& operator=(const TimeZone&) = delete;

private:
    std::optional<std::string> saved_;
};

TEST(AccessLogCombined, MatchesTheApacheFormat) {
    TimeZone utc("UTC");
    EXPECT_EQ(format_combined(sample()),
              "10.0.0.7 - - [10/Oct/2024:11:55:36 +0000] \"GET /index.php?a=1 HTTP/1.1\" 200 "
              "2326 \"https://example.com/\" \"Mozilla/5.0 (X11)\"\n");
}

TEST(AccessLogCombined, LocalTimeCarriesItsOffset) {
    TimeZone zone("XYZ-05:30"); // POSIX: 5h30 east of UTC
    EXPECT_NE(format_combined(sample()).find("[10/Oct/2024:17:25:36 +0530]"), std::string::npos);
    TimeZone west("ABC+03");
    EXPECT_NE(format_combined(sample()).find("[10/Oct/2024:08:55:36 -0300]"), std::string::npos);
}

TEST(AccessLogCombined, EscapesQuotesBackslashesAndControlBytes) {
    TimeZone utc("UTC");
    AccessRecord r = sample();
    r.target = "/a\"b\\c\x01";
    r.user_agent = "evil\" 200 0 \"x\r\nforged line";
    r.referer = "";
    r.status = 0;
    r.body_bytes = 0;
    const std::string line = format_combined(r);
    EXPECT_EQ(line,
              "10.0.0.7 - - [10/Oct/2024:11:55:36 +0000] \"GET /a\\\"b\\\\c\\x01 HTTP/1.1\" 0 0 "
              "\"-\" \"evil\\\" 200 0 \\\"x\\x0D\\x0Aforged line\"\n");
    EXPECT_EQ(line.find('\n'), line.size() - 1); // exactly one line
    // Non-ASCII passes through untouched.
    r.user_agent = "caf\xC3\xA9";
    EXPECT_NE(format_combined(r).find("\"caf\xC3\xA9\"\n"), std::string::npos);
}

TEST(AccessLogCombined, EmptyRequestLineIsADash) {
    AccessRecord r;
    r.time = kTime;
    r.status = 400;
    const std::string line = format_combined(r);
    EXPECT_NE(line.find("] \"-\" 400 0 \"-\" \"-\"\n"), std::string::npos) << line;
    EXPECT_EQ(line.rfind("- - - [", 0), 0u) << line;
}

TEST(AccessLogJson, IsOneValidObjectWithEveryField) {
    AccessRecord r = sample();
    r.target = "/q?x=\"1\"&y=\\\x1f";
    r.user_agent = "a\nb";
    const std::string line = format_json(r);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    const auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed.at("time"), "2024-10-10T11:55:36.123Z");
    EXPECT_EQ(parsed.at("remote_addr"), "10.0.0.7");
    EXPECT_EQ(parsed.at("method"), "GET");
    EXPECT_EQ(parsed.at("target"), "/q?x=\"1\"&y=\\\x1f");
    EXPECT_EQ(parsed.at("protocol"), "HTTP/1.1");
    EXPECT_EQ(parsed.at("status"), 200);
    EXPECT_EQ(parsed.at("body_bytes"), 2326);
    EXPECT_EQ(parsed.at("referer"), "https://example.com/");
    EXPECT_EQ(parsed.at("user_agent"), "a\nb");
    EXPECT_EQ(parsed.at("duration_us"), 1500);
    EXPECT_EQ(parsed.size(), 10u);
    // Field order as documented.
    EXPECT_EQ(line.rfind("{\"time\":", 0), 0u);
}

TEST(AccessLogJson, InvalidUtf8IsReplacedNotFatal) {
    AccessRecord r = sample();
    r.user_agent = "bad\xff\xfe";
    const std::string line = format_json(r);
    const auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed.at("user_agent"), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

class AccessLogFile : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "ephpm-access-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::vector<std::string> lines(const std::filesystem::path& path) const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }
    std::filesystem::path dir_;
};

TEST_F(AccessLogFile, OffMeansNoLog) {
    config::LoggingSettings settings;
    settings.access = "off";
    EXPECT_EQ(open_access_log(settings), nullptr);
    settings.access = "stdout";
    EXPECT_NE(open_access_log(settings), nullptr);
}

TEST_F(AccessLogFile, AppendsToAnExistingFile) {
    const auto path = dir_ / "access.log";
    std::ofstream(path) << "earlier line\n";
    config::LoggingSettings settings;
    settings.access = path.string();
    settings.access_format = config::AccessFormat::json;
    {
        auto log = open_access_log(settings);
        ASSERT_NE(log, nullptr);
        log->write(sample());
    }
    const auto written = lines(path);
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(written[0], "earlier line");
    EXPECT_EQ(nlohmann::json::parse(written[1]).at("status"), 200);
}

TEST_F(AccessLogFile, LinesFromManyThreadsStayWhole) {
    const auto path = dir_ / "access.log";
    config::LoggingSettings settings;
    settings.access = path.string();
    constexpr int kThreads = 8;
    constexpr int kPerThread = 200;
    const std::string long_agent(3000, 'u'); // longer than PIPE_BUF
    {
        auto log = open_access_log(settings);
        ASSERT_NE(log, nullptr);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&log, &long_agent, t] {
                AccessRecord r = sample();
                const std::string target = "/thread/" + std::to_string(t);
                r.target = target;
                r.user_agent = long_agent;
                for (int i = 0; i < kPerThread; ++i) log->write(r);
            });
        }
        for (auto& thread : threads) thread.join();
    }
    const auto written = lines(path);
    ASSERT_EQ(written.size(), static_cast<std::size_t>(kThreads * kPerThread));
    const std::regex shape(
        R"(10\.0\.0\.7 - - \[[^\]]+\] "GET /thread/[0-7] HTTP/1\.1" 200 2326 "https://example\.com/" "u{3000}")");
    for (const auto& line : written)
        ASSERT_TRUE(std::regex_match(line, shape)) << line.substr(0, 80);
}

TEST_F(AccessLogFile, UnopenableFileIsAClearError) {
    config::LoggingSettings settings;
    settings.access = (dir_ / "missing-dir" / "access.log").string();
    try {
        open_access_log(settings);
        ADD_FAILURE() << "opened a file in a missing directory";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot open the access log " + settings.access + ": No such file or directory");
    }
}

} // namespace
} // namespace ephpm::server
