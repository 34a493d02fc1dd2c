#include "server/mime.hpp"

#include <gtest/gtest.h>

namespace ephpm::server {
namespace {

TEST(Mime, KnownExtensions) {
    struct Case {
        const char* name;
        const char* type;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"index.html", "text/html; charset=utf-8"},
             {"a.htm", "text/html; charset=utf-8"},
             {"site.css", "text/css; charset=utf-8"},
             {"app.js", "text/javascript; charset=utf-8"},
             {"mod.mjs", "text/javascript; charset=utf-8"},
             {"data.json", "application/json"},
             {"feed.xml", "text/xml; charset=utf-8"},
             {"notes.txt", "text/plain; charset=utf-8"},
             {"logo.svg", "image/svg+xml"},
             {"a.png", "image/png"},
             {"a.jpg", "image/jpeg"},
             {"a.jpeg", "image/jpeg"},
             {"a.gif", "image/gif"},
             {"a.webp", "image/webp"},
             {"a.avif", "image/avif"},
             {"favicon.ico", "image/x-icon"},
             {"f.woff", "font/woff"},
             {"f.woff2", "font/woff2"},
             {"f.ttf", "font/ttf"},
             {"f.otf", "font/otf"},
             {"m.wasm", "application/wasm"},
             {"doc.pdf", "application/pdf"},
             {"a.zip", "application/zip"},
             {"v.mp4", "video/mp4"},
             {"v.webm", "video/webm"},
             {"s.mp3", "audio/mpeg"},
             {"s.ogg", "audio/ogg"},
             {"app.js.map", "application/json"},
             {"t.csv", "text/csv; charset=utf-8"},
             {"README.md", "text/markdown; charset=utf-8"},
         }) {
        EXPECT_EQ(content_type_for(c.name), c.type) << c.name;
    }
}

TEST(Mime, IsCaseInsensitive) {
    EXPECT_EQ(content_type_for("PHOTO.JPG"), "image/jpeg");
    EXPECT_EQ(content_type_for("Index.Html"), "text/html; charset=utf-8");
}

TEST(Mime, UnknownIsOctetStream) {
    for (const char* name : {"file", "file.", "archive.tar.xz", "a.verylongextension", ".bashrc",
                             "x.php", "dir.d/file"}) {
        EXPECT_EQ(content_type_for(name), kDefaultContentType) << name;
    }
}

TEST(Mime, LastExtensionWins) {
    EXPECT_EQ(content_type_for("x.php.txt"), "text/plain; charset=utf-8");
    EXPECT_EQ(content_type_for("a.tar.zip"), "application/zip");
}

} // namespace
} // namespace ephpm::server
