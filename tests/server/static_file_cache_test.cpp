// The small-file cache on its own, and serve_static_file with it: a copy is
// served only under the exact stat it was read with, so these tests remove
// or change the file on disk and look at what comes back.

#include "server/static_file_cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "server/static_file.hpp"
#include "server/temp_docroot.hpp"

namespace ephpm::server {
namespace {

using namespace std::chrono_literals;
using ephpm::testing::TempDocroot;

FileStamp stamp(std::uint64_t size, std::int64_t ctime_sec) {
    FileStamp s;
    s.known = true;
    s.device = 1;
    s.inode = 2;
    s.size = size;
    s.mtime_sec = ctime_sec;
    s.ctime_sec = ctime_sec;
    return s;
}

std::shared_ptr<StaticFileCache::Entry> entry(const FileStamp& s, std::string bytes) {
    auto e = std::make_shared<StaticFileCache::Entry>();
    e->stamp = s;
    e->bytes = std::move(bytes);
    return e;
}

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(StaticFileCache, FindsACopyOnlyUnderItsExactStamp) {
    StaticFileCache cache;
    const FileStamp kept = stamp(5, 100);
    cache.store("/site/a.txt", entry(kept, "hello"));
    auto hit = cache.find("/site/a.txt", kept);
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->bytes, "hello");

    EXPECT_EQ(cache.find("/site/b.txt", kept), nullptr);
    for (auto changed : {&FileStamp::device, &FileStamp::inode, &FileStamp::size}) {
        FileStamp other = kept;
        other.*changed += 1;
        EXPECT_EQ(cache.find("/site/a.txt", other), nullptr);
    }
    FileStamp touched = kept;
    touched.mtime_nsec = 1;
    EXPECT_EQ(cache.find("/site/a.txt", touched), nullptr);
    FileStamp chmodded = kept;
    chmodded.ctime_sec += 1;
    EXPECT_EQ(cache.find("/site/a.txt", chmodded), nullptr);
    EXPECT_EQ(cache.find("/site/a.txt", FileStamp{}), nullptr); // nothing stat-ed
}

TEST(StaticFileCache, WantsOnlySmallFilesUnchangedForTheSettleTime) {
    StaticFileCache cache(StaticFileCache::kDefaultBudget, 1s);
    const std::int64_t ctime = 1000;
    EXPECT_TRUE(cache.wants(stamp(10, ctime), (ctime + 2) * kSecond));
    EXPECT_FALSE(cache.wants(stamp(10, ctime), ctime * kSecond + kSecond / 2));
    EXPECT_FALSE(cache.wants(stamp(10, ctime), (ctime + 1) * kSecond)); // exactly the limit
    EXPECT_FALSE(
        cache.wants(stamp(StaticFileCache::kMaxFileSize + 1, ctime), (ctime + 9) * kSecond));
    EXPECT_TRUE(cache.wants(stamp(StaticFileCache::kMaxFileSize, ctime), (ctime + 9) * kSecond));
    EXPECT_FALSE(cache.wants(FileStamp{}, (ctime + 9) * kSecond));
}

TEST(StaticFileCache, StaysWithinItsBudget) {
    StaticFileCache cache(4096);
    const std::string kilobyte(1024, 'k');
    for (int i = 0; i < 20; ++i) {
        cache.store("/site/" + std::to_string(i), entry(stamp(1024, i), kilobyte));
        EXPECT_LE(cache.size_bytes(), 4096u);
    }
    EXPECT_GT(cache.size_bytes(), 2048u); // evicts what it must, not everything
    EXPECT_NE(cache.find("/site/19", stamp(1024, 19)), nullptr); // the newest is kept

    // A newer copy of a path replaces the old one and its bytes.
    const std::size_t before = cache.size_bytes();
    cache.store("/site/19", entry(stamp(1024, 20), kilobyte));
    EXPECT_EQ(cache.size_bytes(), before);
    EXPECT_EQ(cache.find("/site/19", stamp(1024, 19)), nullptr);
    EXPECT_NE(cache.find("/site/19", stamp(1024, 20)), nullptr);

    cache.store("/site/huge", entry(stamp(8000, 1), std::string(8000, 'h')));
    EXPECT_EQ(cache.find("/site/huge", stamp(8000, 1)), nullptr); // larger than the budget
}

// serve_static_file with a cache that keeps files however new they are (a
// negative settle time), so a test need not wait.
class CachedStaticFile : public ::testing::Test {
protected:
    FileStamp stat_of(const std::string& name) const {
        struct stat st {};
        EXPECT_EQ(::stat(path(name).c_str(), &st), 0);
        return stamp_of(st);
    }
    std::string path(const std::string& name) const { return (docroot_.path() / name).native(); }

    Response get(const std::string& name, const FileStamp& seen, const char* range = nullptr,
                 bool head = false) {
        Request request;
        request.method(head ? http::verb::head : http::verb::get);
        request.target("/" + name);
        if (range != nullptr) request.set(http::field::range, range);
        ReplyOptions options;
        options.head = head;
        const std::string file = path(name);
        return serve_static_file(request, {file, seen, &cache_}, options, settings_);
    }

    static std::string body_of(const Response& response) {
        const auto* text = std::get_if<std::string>(&response.body);
        return text != nullptr ? *text : "<not a string body>";
    }

    TempDocroot docroot_;
    StaticFileCache cache_{StaticFileCache::kDefaultBudget, -1s};
    config::StaticSettings settings_;
};

TEST_F(CachedStaticFile, ASecondRequestNeedsNoFile) {
    docroot_.file("a.txt", "cached bytes");
    const FileStamp seen = stat_of("a.txt");
    const Response first = get("a.txt", seen);
    EXPECT_EQ(first.status, 200u);
    EXPECT_EQ(body_of(first), "cached bytes");
    EXPECT_GT(cache_.size_bytes(), 0u);

    // Gone from the disk, but the router's stat (given here) still matches:
    // the copy is served without opening anything.
    std::filesystem::remove(path("a.txt"));
    const Response second = get("a.txt", seen);
    EXPECT_EQ(second.status, 200u);
    EXPECT_EQ(body_of(second), "cached bytes");
    EXPECT_EQ(second.fields[http::field::etag], first.fields[http::field::etag]);
    EXPECT_EQ(second.fields[http::field::last_modified], first.fields[http::field::last_modified]);
    EXPECT_EQ(second.fields[http::field::content_type], "text/plain; charset=utf-8");
    EXPECT_EQ(second.content_length, 12u);

    // A range of the copy.
    const Response part = get("a.txt", seen, "bytes=7-10");
    EXPECT_EQ(part.status, 206u);
    EXPECT_EQ(body_of(part), "byte");
    EXPECT_EQ(part.fields[http::field::content_range], "bytes 7-10/12");

    // Any other stamp misses, and then the file really is gone.
    FileStamp other = seen;
    other.mtime_nsec += 1;
    EXPECT_EQ(get("a.txt", other).status, 404u);
}

TEST_F(CachedStaticFile, EtagsTurnedOffStayOffForACopy) {
    docroot_.file("d.txt", "no tags");
    const FileStamp seen = stat_of("d.txt");
    EXPECT_FALSE(get("d.txt", seen).fields[http::field::etag].empty()); // fills the cache
    settings_.etag = false;
    const Response hit = get("d.txt", seen);
    EXPECT_EQ(body_of(hit), "no tags");
    EXPECT_EQ(hit.fields.count(http::field::etag), 0u);
    EXPECT_FALSE(hit.fields[http::field::last_modified].empty());
}

TEST_F(CachedStaticFile, AChangedFileIsReadAgain) {
    docroot_.file("b.txt", "version one");
    EXPECT_EQ(body_of(get("b.txt", stat_of("b.txt"))), "version one");
    docroot_.file("b.txt", "version two, longer");
    EXPECT_EQ(body_of(get("b.txt", stat_of("b.txt"))), "version two, longer");
}

TEST_F(CachedStaticFile, KeepsNeitherLargeFilesNorHeadRequests) {
    docroot_.file("big.bin", std::string(StaticFileCache::kMaxFileSize + 1, 'b'));
    const Response big = get("big.bin", stat_of("big.bin"));
    EXPECT_EQ(big.status, 200u);
    EXPECT_TRUE(std::holds_alternative<FileBody>(big.body));
    docroot_.file("c.txt", "head only");
    const Response head = get("c.txt", stat_of("c.txt"), nullptr, true);
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(head.content_length, 9u);
    EXPECT_EQ(cache_.size_bytes(), 0u);
}

TEST(StaticFileCacheSettle, AFileJustWrittenIsNotKept) {
    TempDocroot docroot;
    docroot.file("new.txt", "fresh");
    const std::string file = (docroot.path() / "new.txt").native();
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    StaticFileCache cache; // the real settle time
    Request request;
    request.method(http::verb::get);
    const Response response =
        serve_static_file(request, {file, stamp_of(st), &cache}, {}, config::StaticSettings{});
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(std::holds_alternative<FileBody>(response.body));
    EXPECT_EQ(cache.size_bytes(), 0u);
}

} // namespace
} // namespace ephpm::server
