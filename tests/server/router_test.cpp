// The router against a real temporary tree: every tricky path the outside
// world can send, and what it must turn into.

#include "server/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/temp_docroot.hpp"
#include "server/uri.hpp"

namespace ephpm::server {
namespace {

using ephpm::testing::TempDocroot;

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        docroot_.file("index.php", "<?php echo 'front';");
        docroot_.file("hello.php");
        docroot_.file("style.css");
        docroot_.file("x.php.txt");
        docroot_.file("X.PHP");
        docroot_.file("legacy.phtml");
        docroot_.file("config.inc");
        docroot_.file("archive.phar");
        docroot_.file(".env");
        docroot_.file(".git/config");
        docroot_.file(".well-known/acme-challenge/token");
        docroot_.file(".well-known/.secret");
        docroot_.file("docs/index.html");
        docroot_.file("app/index.php");
        docroot_.file("app/both/index.php");
        docroot_.file("app/both/index.html");
        docroot_.file("space name.txt");
        docroot_.file("dir.php/inner.txt"); // a directory whose name ends in .php
        docroot_.dir("empty");
        index_files_ = {"index.php", "index.html"};
    }

    Route go(const std::string& target) const {
        return route(target, Site{docroot_.path(), index_files_, fallback_, hidden_files_});
    }
    std::string under(const std::string& relative) const {
        return (docroot_.path() / relative).native();
    }

    TempDocroot docroot_;
    std::vector<std::string> index_files_;
    std::vector<std::string> fallback_ = config::ServerSettings{}.fallback;
    config::HiddenFiles hidden_files_ = config::HiddenFiles::deny;
};

struct ErrorCase {
    const char* target;
    int status;
};

TEST_F(RouterTest, RejectsOrRefusesTrickyTargets) {
    const std::vector<ErrorCase> cases = {
        // Malformed or smuggling encodings -> 400.
        {"/a%2Fb", 400},
        {"/a%2fb", 400},
        {"/a%5Cb", 400},
        {"/a\\b", 400},
        {"/a%00b", 400},
        {"/a%0ab", 400},
        {"/a%", 400},
        {"/a%4", 400},
        {"/a%zz", 400},
        {"/a%G1", 400},
        // Climbing above the root, raw or encoded -> 400.
        {"/../etc/passwd", 400},
        {"/%2e%2e/etc/passwd", 400},
        {"/%2E%2E/%2e%2e/etc/passwd", 400},
        {"/docs/../../etc/passwd", 400},
        {"/./../hello.php", 400},
        {"/..", 400},
        {"/..%2fetc/passwd", 400},
        // Not origin-form or absolute-form -> 400.
        {"*", 400},
        {"hello.php", 400},
        {"", 400},
        // Dotfiles and dot-dirs -> 403, encoded or not.
        {"/.env", 403},
        {"/%2eenv", 403},
        {"/.git/config", 403},
        {"/.git/", 403},
        {"/docs/../.env", 403},
        {"/.well-known/.secret", 403},
        {"/a/.hidden/b", 403},
        // PHP-ish names that must neither run nor leak -> 403.
        {"/X.PHP", 403},
        {"/legacy.phtml", 403},
        {"/config.inc", 403},
        {"/archive.phar", 403},
        // A directory without any index.
        {"/empty/", 403},
    };
    for (const auto& c : cases) {
        const Route r = go(c.target);
        EXPECT_EQ(r.kind, RouteKind::error) << c.target;
        EXPECT_EQ(r.status, c.status) << c.target;
    }
}

TEST_F(RouterTest, ServesStaticFiles) {
    struct Case {
        const char* target;
        const char* file;
    };
    const std::vector<Case> cases = {
        {"/style.css", "style.css"},
        {"/style.css?v=3", "style.css"},
        {"//style.css", "style.css"},
        {"/./style.css", "style.css"},
        {"/docs/../style.css", "style.css"},
        {"/%73tyle.css", "style.css"},
        {"/x.php.txt", "x.php.txt"},
        {"/space%20name.txt", "space name.txt"},
        {"/.well-known/acme-challenge/token", ".well-known/acme-challenge/token"},
        {"/docs/", "docs/index.html"},
        {"/dir.php/inner.txt", "dir.php/inner.txt"},
        {"http://example.com/style.css", "style.css"},
        {"HTTP://example.com/style.css?x", "style.css"},
    };
    for (const auto& c : cases) {
        const Route r = go(c.target);
        EXPECT_EQ(r.kind, RouteKind::static_file) << c.target << " status " << r.status;
        EXPECT_EQ(r.file, under(c.file)) << c.target;
    }
}

TEST_F(RouterTest, RunsPhpScriptsWithScriptNameAndPathInfo) {
    struct Case {
        const char* target;
        const char* file;
        const char* script_name;
        const char* path_info;
    };
    const std::vector<Case> cases = {
        {"/hello.php", "hello.php", "/hello.php", ""},
        {"/hello.php?a=1&b=2", "hello.php", "/hello.php", ""},
        {"/index.php/foo/bar", "index.php", "/index.php", "/foo/bar"},
        {"/index.php/foo/bar/", "index.php", "/index.php", "/foo/bar/"},
        {"/index.php/", "index.php", "/index.php", "/"},
        {"/index.php/a%20b", "index.php", "/index.php", "/a b"},
        {"/hello.php/x.php", "hello.php", "/hello.php", "/x.php"},
        {"/app/", "app/index.php", "/app/index.php", ""},
        {"/app/both/", "app/both/index.php", "/app/both/index.php", ""},
        {"/", "index.php", "/index.php", ""},
        {"/%68ello.php", "hello.php", "/hello.php", ""},
    };
    for (const auto& c : cases) {
        const Route r = go(c.target);
        ASSERT_EQ(r.kind, RouteKind::php_script) << c.target << " status " << r.status;
        EXPECT_EQ(r.file, under(c.file)) << c.target;
        EXPECT_EQ(r.script_name, c.script_name) << c.target;
        EXPECT_EQ(r.path_info, c.path_info) << c.target;
    }
}

TEST_F(RouterTest, MissingPathsFallBackToFrontController) {
    for (const char* target : {"/blog/2024/hello-world", "/missing.php", "/nope/", "/style.css/x",
                               "/X.PHP/foo", "/hello.phpx"}) {
        const Route r = go(target);
        ASSERT_EQ(r.kind, RouteKind::php_script) << target << " status " << r.status;
        EXPECT_EQ(r.file, under("index.php")) << target;
        EXPECT_EQ(r.script_name, "/index.php") << target;
        EXPECT_EQ(r.path_info, "") << target;
    }
}

TEST_F(RouterTest, MissingPathsAre404WithoutFrontController) {
    std::filesystem::remove(docroot_.path() / "index.php");
    EXPECT_EQ(go("/blog/post").status, 404);
    EXPECT_EQ(go("/missing.php").status, 404);
    EXPECT_EQ(go("/").status, 403); // a directory without index
}

TEST_F(RouterTest, DirectoryWithoutSlashRedirects) {
    Route r = go("/docs");
    EXPECT_EQ(r.kind, RouteKind::redirect);
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.location, "/docs/");

    r = go("/docs?page=2");
    EXPECT_EQ(r.location, "/docs/?page=2");

    // Never an open redirect to another host ("//evil.example/").
    r = go("//docs");
    EXPECT_EQ(r.location, "/docs/");

    docroot_.dir("with space");
    r = go("/with%20space");
    EXPECT_EQ(r.location, "/with%20space/");
}

TEST_F(RouterTest, IndexFilesAreTriedInConfiguredOrder) {
    index_files_ = {"index.html", "index.php"};
    const Route r = go("/app/both/");
    EXPECT_EQ(r.kind, RouteKind::static_file);
    EXPECT_EQ(r.file, under("app/both/index.html"));
}

TEST_F(RouterTest, IndexFileNamesCannotEscapeTheDirectory) {
    index_files_ = {"../hello.php", ".env", "index.html"};
    const Route r = go("/docs/");
    EXPECT_EQ(r.kind, RouteKind::static_file);
    EXPECT_EQ(r.file, under("docs/index.html"));
}

TEST_F(RouterTest, DefaultChainIsTheConfigDefault) {
    // A Site built without a chain behaves as the default configuration.
    const Site plain{docroot_.path(), index_files_};
    const std::vector<std::string> chain(plain.fallback.begin(), plain.fallback.end());
    EXPECT_EQ(chain, (std::vector<std::string>{"$uri", "$uri/", "/index.php?$query_string"}));
    EXPECT_EQ(plain.hidden_files, config::HiddenFiles::deny);
}

TEST_F(RouterTest, PrettyPermalinksRewriteToIndexPhpWithTheQuery) {
    Route r = go("/2024/03/my-post/?a=1");
    ASSERT_EQ(r.kind, RouteKind::php_script) << r.status;
    EXPECT_EQ(r.file, under("index.php"));
    EXPECT_EQ(r.script_name, "/index.php");
    EXPECT_EQ(r.rewritten_query, "a=1");

    r = go("/blog/hello");
    ASSERT_EQ(r.kind, RouteKind::php_script);
    EXPECT_EQ(r.rewritten_query, "");

    // Served directly: no rewrite, QUERY_STRING is the request's own.
    EXPECT_FALSE(go("/hello.php?x=1").rewritten_query.has_value());
    EXPECT_FALSE(go("/style.css").rewritten_query.has_value());
}

struct ChainCase {
    std::vector<std::string> chain;
    const char* target;
    RouteKind kind;
    int status;        // error and redirect
    const char* file;  // static_file and php_script, relative to the root
    const char* query; // rewritten query, or nullptr for none
};

TEST_F(RouterTest, FallbackChainTriesEntriesInOrder) {
    docroot_.file("about.html");
    docroot_.file("offline.html");
    docroot_.file("app/main.php");
    const std::vector<std::string> html = {"$uri", "$uri.html", "=404"};
    const std::vector<ChainCase> cases = {
        // $uri.html makes clean URLs; =404 ends the chain.
        {html, "/about", RouteKind::static_file, 0, "about.html", nullptr},
        {html, "/style.css", RouteKind::static_file, 0, "style.css", nullptr},
        {html, "/missing", RouteKind::error, 404, nullptr, nullptr},
        // Without "$uri/" a directory is not a match.
        {html, "/docs", RouteKind::error, 404, nullptr, nullptr},
        // Scripts named in the path still run, before the chain.
        {html, "/hello.php", RouteKind::php_script, 0, "hello.php", nullptr},
        {{"$uri", "=410"}, "/gone", RouteKind::error, 410, nullptr, nullptr},
        {{"=503"}, "/style.css", RouteKind::error, 503, nullptr, nullptr},
        // Variables in the rewrite target; the query is the rewritten one.
        {{"$uri", "/app/main.php?route=$uri&$args"},
         "/x/y?z=1",
         RouteKind::php_script,
         0,
         "app/main.php",
         "route=/x/y&z=1"},
        {{"$uri", "/app/main.php$is_args$args"},
         "/x",
         RouteKind::php_script,
         0,
         "app/main.php",
         ""},
        {{"$uri", "/app/main.php$is_args$args"},
         "/x?q",
         RouteKind::php_script,
         0,
         "app/main.php",
         "q"},
        {{"$uri", "/index.php?p=$uri"},
         "/a%20b/",
         RouteKind::php_script,
         0,
         "index.php",
         "p=/a%20b/"},
        // A static rewrite target, and a directory one (its index).
        {{"$uri", "/offline.html"}, "/missing", RouteKind::static_file, 0, "offline.html", ""},
        {{"$uri", "/docs/"}, "/missing", RouteKind::static_file, 0, "docs/index.html", ""},
        // The rewritten target is routed once, without the chain: no loop.
        {{"$uri", "/nothere"}, "/missing", RouteKind::error, 404, nullptr, ""},
        {{"$uri", "/nothere.php"}, "/missing", RouteKind::error, 404, nullptr, ""},
        // Hidden files in the rewritten target follow the policy too.
        {{"$uri", "/.env"}, "/missing", RouteKind::error, 403, nullptr, ""},
        // "$uri/" redirects a directory without its slash, keeping the query.
        {{"$uri/", "=404"}, "/docs?a=1", RouteKind::redirect, 301, nullptr, nullptr},
        {{"$uri/", "=404"}, "/docs/", RouteKind::static_file, 0, "docs/index.html", nullptr},
        // A literal directory entry serves its index directly.
        {{"/docs/", "=404"}, "/anything", RouteKind::static_file, 0, "docs/index.html", nullptr},
        // PHP source names stay 403 whatever entry found them.
        {{"$uri.inc", "=404"}, "/config", RouteKind::error, 403, nullptr, nullptr},
        // ... and a ".php" match runs.
        {{"$uri.php", "=404"}, "/hello", RouteKind::php_script, 0, "hello.php", nullptr},
    };
    for (const auto& c : cases) {
        fallback_ = c.chain;
        const Route r = go(c.target);
        SCOPED_TRACE(std::string(c.target) + " with chain ending " + c.chain.back());
        ASSERT_EQ(r.kind, c.kind) << "status " << r.status;
        if (c.kind == RouteKind::error || c.kind == RouteKind::redirect) {
            EXPECT_EQ(r.status, c.status);
        } else {
            EXPECT_EQ(r.file, under(c.file));
        }
        if (c.kind != RouteKind::error) {
            EXPECT_EQ(r.rewritten_query.has_value(), c.query != nullptr);
            if (c.query != nullptr && r.rewritten_query) {
                EXPECT_EQ(*r.rewritten_query, c.query);
            }
        }
    }
    fallback_ = {"$uri/", "=404"};
    EXPECT_EQ(go("/docs?a=1").location, "/docs/?a=1");
}

struct HiddenCase {
    const char* target;
    RouteKind kind;
    int status;       // error
    const char* file; // static_file or php_script
};

TEST_F(RouterTest, HiddenFilesFollowThePolicy) {
    docroot_.file(".secret.inc");
    docroot_.file(".tools/run.php");
    auto expect_routes = [this](const std::vector<HiddenCase>& cases) {
        for (const auto& c : cases) {
            const Route r = go(c.target);
            ASSERT_EQ(r.kind, c.kind) << c.target << " status " << r.status;
            if (c.kind == RouteKind::error) {
                EXPECT_EQ(r.status, c.status) << c.target;
            } else {
                EXPECT_EQ(r.file, under(c.file)) << c.target;
            }
        }
    };

    hidden_files_ = config::HiddenFiles::deny;
    expect_routes({{"/.env", RouteKind::error, 403, nullptr},
                   {"/.git/", RouteKind::error, 403, nullptr},
                   {"/a/.missing/b", RouteKind::error, 403, nullptr},
                   {"/.tools/run.php", RouteKind::error, 403, nullptr},
                   {"/.well-known/acme-challenge/token", RouteKind::static_file, 0,
                    ".well-known/acme-challenge/token"}});

    // As if missing, and without falling back to index.php.
    hidden_files_ = config::HiddenFiles::ignore;
    expect_routes({{"/.env", RouteKind::error, 404, nullptr},
                   {"/%2egit/config", RouteKind::error, 404, nullptr},
                   {"/a/.missing/b", RouteKind::error, 404, nullptr},
                   {"/.well-known/.secret", RouteKind::error, 404, nullptr},
                   {"/.well-known/acme-challenge/token", RouteKind::static_file, 0,
                    ".well-known/acme-challenge/token"}});

    hidden_files_ = config::HiddenFiles::allow;
    expect_routes({{"/.env", RouteKind::static_file, 0, ".env"},
                   {"/.git/config", RouteKind::static_file, 0, ".git/config"},
                   {"/.well-known/.secret", RouteKind::static_file, 0, ".well-known/.secret"},
                   {"/.tools/run.php", RouteKind::php_script, 0, ".tools/run.php"},
                   {"/a/.missing/b", RouteKind::php_script, 0, "index.php"},
                   // PHP source is never sent, hidden or not.
                   {"/.secret.inc", RouteKind::error, 403, nullptr}});
}

TEST(PhpSourceNames, CoverEveryPhpExtensionInAnyCase) {
    for (const char* name : {"a.php", "a.PHP", "a.Php", "a.phtml", "a.PHTML", "a.phar", "a.phps",
                             "a.php3", "a.php5", "a.php8", "a.inc"}) {
        EXPECT_TRUE(is_php_source_name(name)) << name;
    }
    for (const char* name : {"a.txt", "a.php.txt", "a.php9", "a.html", "php", "a.ph", "a."}) {
        EXPECT_FALSE(is_php_source_name(name)) << name;
    }
}

TEST(DecodePath, NormalisesSegmentsAndTrailingSlash) {
    auto d = decode_path("/a//b/./c/../d/");
    EXPECT_EQ(d.error_status, 0);
    EXPECT_EQ(d.segments, (std::vector<std::string>{"a", "b", "d"}));
    EXPECT_TRUE(d.trailing_slash);

    d = decode_path("/a/b/..");
    EXPECT_EQ(d.segments, (std::vector<std::string>{"a"}));
    EXPECT_TRUE(d.trailing_slash);

    d = decode_path("/");
    EXPECT_TRUE(d.segments.empty());
    EXPECT_TRUE(d.trailing_slash);

    d = decode_path("/caf%C3%A9");
    EXPECT_EQ(d.segments, (std::vector<std::string>{"caf\xC3\xA9"}));
    EXPECT_FALSE(d.trailing_slash);
}

TEST(SplitTarget, SeparatesPathAndQuery) {
    auto s = split_target("/a/b?x=1&y=%20");
    EXPECT_TRUE(s.valid);
    EXPECT_EQ(s.path, "/a/b");
    EXPECT_EQ(s.query, "x=1&y=%20");

    s = split_target("/a?");
    EXPECT_EQ(s.path, "/a");
    EXPECT_EQ(s.query, "");

    s = split_target("https://h:8080");
    EXPECT_TRUE(s.valid);
    EXPECT_EQ(s.path, "/");
}

TEST(EncodePath, KeepsSafeCharactersOnly) {
    EXPECT_EQ(encode_path("/a b/c%d/é"), "/a%20b/c%25d/%C3%A9");
    EXPECT_EQ(encode_path("/a-b_c.d~e/"), "/a-b_c.d~e/");
}

} // namespace
} // namespace ephpm::server
