#!/usr/bin/env python3
"""Uses a fresh WordPress on ePHPm as a person with a browser would: the
install wizard, logging in, uploading an image, writing a post, visiting the
front page, switching to pretty permalinks. Each check prints one "ok:" line,
so a CI log shows how far it got; the first failure stops it with the request,
what was expected and what came back. Called by wordpress_test.sh."""

import argparse
import json
import pathlib
import re
import secrets
import subprocess
import sys
import time
import urllib.parse

from browser import Browser, Failure, find_form, parse
from png import png_image, png_size

ADMIN = "admin"
TITLE = "Served by ePHPm"
PERMALINKS = "/%year%/%monthnum%/%postname%/"


def ok(message):
    print(f"[wordpress] ok: {message}", flush=True)


def check(condition, response, expected):
    """Stops the test unless condition holds; names the request and its answer."""
    if condition:
        return
    if response is None:
        raise Failure(f"expected {expected}")
    snippet = response.text[:600].replace("\n", " ")
    raise Failure(f"expected {expected}; got {response.describe()}\n    body: {snippet}")


STYLESHEET = {"text/css"}
SCRIPT = {"text/javascript", "application/javascript"}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}


class Site:
    def __init__(self, args):
        self.url = args.url.rstrip("/")
        self.root = pathlib.Path(args.site)
        self.db_socket = args.db_socket
        self.browser = Browser(self.url)
        self.password = secrets.token_urlsafe(18)
        self.attachment = None
        self.post_id = None

    def sql(self, query):
        """One value from the test's database (the server side of "stored")."""
        try:
            out = subprocess.run(
                ["mariadb", "--no-defaults", f"--socket={self.db_socket}", "-uroot",
                 "--batch", "--skip-column-names", "wordpress", "-e", query],
                check=True, capture_output=True, text=True, timeout=30,
            )
        except (subprocess.SubprocessError, OSError) as e:
            raise Failure(f"query {query!r} failed: {e} {getattr(e, 'stderr', '')}") from e
        return out.stdout.rstrip("\n")

    @staticmethod
    def check_assets(browser, urls, what, types=None):
        """Every URL on the site loads (200, not empty) with one of types;
        images without types: the one their extension calls for. Returns how
        many were checked."""
        checked = 0
        for url in dict.fromkeys(urls):
            if not browser.is_local(url):
                continue
            r = browser.get(url, follow=False)
            check(r.status == 200 and r.body, r, f"{what} {url} to load (200, not empty)")
            expected = types
            if expected is None:
                ext = pathlib.PurePosixPath(re.sub(r"[?#].*", "", url)).suffix.lower()
                check(ext in IMAGE_TYPES, r, f"an image with a known extension: {url}")
                expected = {IMAGE_TYPES[ext]}
            check(r.content_type() in expected, r,
                  f"{what} {url} served as {' or '.join(sorted(expected))}")
            checked += 1
        return checked

    # 1. GET / leads to the install wizard, which loads with its CSS.
    def install_wizard(self):
        b = self.browser
        r = b.get("/", follow=False)
        check(r.status == 302 and r.header("Location").endswith("/wp-admin/install.php"), r,
              "302 to /wp-admin/install.php for a site without tables")
        r = b.get(r.header("Location"))
        page = parse(r)
        check(r.status == 200 and r.content_type() == "text/html", r, "200 text/html")
        self.setup_form = find_form(page, r, lambda f: f.value("weblog_title") is not None,
                                    "install form (weblog_title)")
        check(page.stylesheets, r, "the install page to link stylesheets")
        n = self.check_assets(b, page.stylesheets, "stylesheet", STYLESHEET)
        check(n > 0, r, "local stylesheets on the install page")
        ok(f"GET / redirects to the install wizard; its {n} stylesheet(s) load as text/css")

    # 2. The install form succeeds: WordPress reached MariaDB through mysqli.
    def install(self):
        b = self.browser
        action = self.setup_form.attrs.get("action") or "install.php?step=2"
        fields = self.setup_form.submission(
            weblog_title="ePHPm test site", user_name=ADMIN, admin_password=self.password,
            admin_password2=self.password, pw_weak=None, admin_email="admin@example.com",
            blog_public="0", Submit="Install WordPress")
        r = b.post(urllib.parse.urljoin(self.url + "/wp-admin/", action), fields)
        check(r.status == 200 and "<h1>Success!</h1>" in r.text, r,
              "the install's \"Success!\" page")
        siteurl = self.sql("SELECT option_value FROM wp_options WHERE option_name='siteurl'")
        check(siteurl == self.url, None, f"siteurl {self.url} in wp_options, found {siteurl!r}")
        tables = int(self.sql("SELECT COUNT(*) FROM information_schema.tables "
                              "WHERE table_schema='wordpress'"))
        check(tables >= 12, None, f"WordPress's tables, found {tables}")
        r = b.get("/", follow=False)
        check(r.status == 200, r, "200 for the front page once installed")
        # The installer turns on pretty permalinks when a request it makes to
        # the site itself (while its own request runs) shows they work.
        chosen = self.sql("SELECT option_value FROM wp_options "
                          "WHERE option_name='permalink_structure'")
        ok(f"install wizard succeeded ({tables} tables in MariaDB via mysqli; "
           f"the installer chose permalinks {chosen!r})")

    # 3. Login through wp-login.php; a wrong password is refused.
    def login(self):
        b = self.browser
        r = b.get("/wp-login.php")
        form = find_form(parse(r), r, lambda f: f.attrs.get("id") == "loginform", "login form")
        check("wordpress_test_cookie" in b.cookie_names(), r, "the wordpress_test_cookie")
        fields = form.submission(log=ADMIN, pwd=self.password + "x", **{"wp-submit": "Log In"})
        r = b.post("/wp-login.php", fields, follow=False)
        check(r.status == 200 and 'id="login_error"' in r.text, r,
              "200 with the login error for a wrong password")
        check(not any(n.startswith("wordpress_logged_in_") for n in b.cookie_names()), r,
              "no login cookie after a wrong password")
        ok("a wrong password is refused")

        fields = form.submission(log=ADMIN, pwd=self.password, **{"wp-submit": "Log In"})
        r = b.post("/wp-login.php", fields, follow=False)
        check(r.status == 302 and "/wp-admin/" in r.header("Location"), r,
              "302 to /wp-admin/ after a right password")
        names = b.cookie_names()
        check(any(n.startswith("wordpress_logged_in_") for n in names)
              and any(re.fullmatch(r"wordpress_[0-9a-f]{32}", n) for n in names), r,
              f"the auth and logged-in cookies, jar has {sorted(names)}")
        r = b.get(r.header("Location"))
        check(r.status == 200 and "wp-admin" in parse(r).body_classes, r, "the dashboard")
        ok("admin logged in (test cookie, auth cookies, redirect to wp-admin, dashboard)")

    # 5. Upload a PNG as the media uploader does; gd makes the thumbnails.
    def upload(self):
        b = self.browser
        r = b.get("/wp-admin/media-new.php")
        # The uploader's settings, as the page hands them to its JavaScript.
        m = re.search(r"wpUploaderInit = (\{.*?\});\s*\n", r.text)
        check(r.status == 200 and m, r, "the uploader's settings (wpUploaderInit)")
        defaults = json.loads(m.group(1))
        params = defaults["multipart_params"]
        check("_wpnonce" in params, r, "a nonce in the uploader's settings")
        width, height = 640, 480
        image = png_image(width, height)
        fields = [(k, v) for k, v in params.items()] + [("name", "ephpm-upload.png")]
        files = [(defaults["file_data_name"], "ephpm-upload.png", "image/png", image)]
        r = b.request("POST", defaults["url"], fields=fields, files=files)
        check(r.status == 200 and r.text.strip().isdigit(), r,
              "the new attachment's ID (the uploader's short answer)")
        self.attachment = int(r.text.strip())

        meta = self.sql(f"SELECT meta_value FROM wp_postmeta WHERE post_id={self.attachment} "
                        "AND meta_key='_wp_attached_file'")
        check(re.fullmatch(r"\d{4}/\d{2}/ephpm-upload(-\d+)?\.png", meta), None,
              f"the attachment's file YYYY/MM/ephpm-upload.png, found {meta!r}")
        original = self.root / "wp-content/uploads" / meta
        check(original.is_file() and original.read_bytes() == image, None,
              f"{original} on disk with the uploaded bytes")
        stem = original.with_suffix("")
        expected = {"thumbnail": (150, 150), "medium": (300, 225)}
        files_on_disk = [original]
        for size, (w, h) in expected.items():
            path = pathlib.Path(f"{stem}-{w}x{h}.png")
            check(path.is_file(), None, f"the {size} size {path.name} made by WordPress")
            check(png_size(path.read_bytes()) == (w, h), None,
                  f"{path.name} to be a {w}x{h} PNG, is {png_size(path.read_bytes())}")
            files_on_disk.append(path)
        info = self.sql(f"SELECT meta_value FROM wp_postmeta WHERE post_id={self.attachment} "
                        "AND meta_key='_wp_attachment_metadata'")
        for size in expected:
            check(f'"{size}"' in info, None, f"size {size} in the attachment metadata: {info}")
        self.image_urls = []
        for path in files_on_disk:
            url = "/" + str(path.relative_to(self.root))
            r = b.get(url, follow=False)
            check(r.status == 200 and r.content_type() == "image/png"
                  and r.body == path.read_bytes(), r, f"{url} served as image/png, whole")
            self.image_urls.append(url)
        ok(f"PNG uploaded (multipart, attachment {self.attachment}); thumbnails "
           f"{', '.join(f'{w}x{h}' for w, h in expected.values())} made and served as image/png")

    # 4. Create a post with the classic form POST (nonce from the editor page).
    def create_post(self):
        b = self.browser
        r = b.get("/wp-admin/post-new.php")
        form = find_form(parse(r), r, lambda f: f.value("post_ID") and f.value("_wpnonce"),
                         "post form with post_ID and _wpnonce")
        self.post_id = int(form.value("post_ID"))
        medium = next(u for u in self.image_urls if u.endswith("-300x225.png"))
        content = (f"<p>This post was written through ePHPm.</p>\n"
                   f'<img src="{self.url}{medium}" alt="uploaded" width="300" height="225" />')
        fields = form.submission(action="editpost", post_title=TITLE, content=content,
                                 post_status="publish", publish="Publish",
                                 _thumbnail_id=str(self.attachment))
        r = b.post("/wp-admin/post.php", fields, follow=False)
        check(r.status == 302 and f"post={self.post_id}" in r.header("Location")
              and "message=6" in r.header("Location"), r,
              f"302 to post.php?post={self.post_id}&action=edit&message=6 (published)")
        row = self.sql(f"SELECT post_status, post_title, post_name FROM wp_posts "
                       f"WHERE ID={self.post_id}").split("\t")
        check(row[:2] == ["publish", TITLE], None, f"the published post in wp_posts, found {row}")
        self.slug = row[2]
        thumb = self.sql(f"SELECT meta_value FROM wp_postmeta WHERE post_id={self.post_id} "
                         "AND meta_key='_thumbnail_id'")
        check(thumb == str(self.attachment), None, f"featured image {self.attachment}, is {thumb!r}")
        ok(f"post {self.post_id} '{self.slug}' created with the editor's nonce and stored")

    # 6. The front page, as an anonymous visitor: CSS, JS and images.
    def front_page(self):
        visitor = Browser(self.url)
        r = visitor.get("/")
        page = parse(r)
        check(r.status == 200 and TITLE in r.text, r, f"the front page listing '{TITLE}'")
        local = lambda urls: [u for u in urls if visitor.is_local(u)]
        css, js, images = local(page.stylesheets), local(page.scripts), local(page.images)
        check(css and js and any("/wp-content/uploads/" in u for u in images), r,
              f"local stylesheets, scripts and uploaded images, found {len(css)} CSS, "
              f"{len(js)} JS, images {images}")
        counts = [self.check_assets(visitor, css, "stylesheet", STYLESHEET),
                  self.check_assets(visitor, js, "script", SCRIPT),
                  self.check_assets(visitor, images, "image")]
        ok("front page: {} stylesheets (text/css), {} scripts (javascript), "
           "{} images with their types".format(*counts))

    # 7. Pretty permalinks, set on Settings > Permalinks.
    def permalinks(self):
        b = self.browser
        r = b.get("/wp-admin/options-permalink.php")
        form = find_form(parse(r), r, lambda f: f.value("permalink_structure") is not None,
                         "permalink form")
        offered = form.radios.get("selection", [])
        month_name = [v for v in offered if v.endswith(PERMALINKS)]
        check(month_name, r, f"a 'Month and name' choice among {offered}")
        if month_name[0] != PERMALINKS:
            print(f"[wordpress] note: WordPress offers '{month_name[0]}': it does not detect "
                  "URL rewriting behind this SERVER_SOFTWARE, so the custom structure is used",
                  flush=True)
        fields = form.submission(selection="custom", permalink_structure=PERMALINKS,
                                 submit="Save Changes")
        r = b.post("/wp-admin/options-permalink.php", fields, follow=False)
        check(r.status == 302 and "settings-updated=true" in r.header("Location"), r,
              "302 to options-permalink.php?settings-updated=true")
        # The page the redirect leads to is what flushes the rewrite rules.
        r = b.get(r.header("Location"))
        check(r.status == 200 and "Permalink structure updated" in r.text, r,
              "\"Permalink structure updated\" on the settings page")
        stored = self.sql("SELECT option_value FROM wp_options "
                          "WHERE option_name='permalink_structure'")
        check(stored == PERMALINKS, None, f"permalink_structure {PERMALINKS}, is {stored!r}")

        visitor = Browser(self.url)
        r = visitor.get(f"/?p={self.post_id}", follow=False)
        pretty = re.compile(re.escape(self.url) + r"/\d{4}/\d{2}/" + re.escape(self.slug) + "/")
        check(r.status == 301 and pretty.fullmatch(r.header("Location")), r,
              f"301 from /?p={self.post_id} to /YYYY/MM/{self.slug}/")
        location = r.header("Location")
        r = visitor.get(location, follow=False)
        page = parse(r)
        check(r.status == 200 and TITLE in r.text and "single-post" in page.body_classes, r,
              f"200 and the post at {location}")
        missing = location.replace(self.slug, "no-such-post-" + secrets.token_hex(4))
        r = visitor.get(missing, follow=False)
        check(r.status == 404 and "error404" in parse(r).body_classes, r,
              f"WordPress's 404 page with status 404 for {missing}")
        ok(f"pretty permalinks: {location[len(self.url):]} serves the post; "
           "a missing one is WordPress's 404 with status 404")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--site", required=True)
    parser.add_argument("--db-socket", required=True)
    args = parser.parse_args()

    site = Site(args)
    probe = site.browser.get("/ephpm-test-probe.php")
    try:
        info = json.loads(probe.text)
    except ValueError:
        raise Failure(f"expected JSON from the probe; got {probe.describe()}: {probe.text[:300]}")
    missing = [ext for ext in ("mysqli", "gd", "gd_png") if not info.get(ext)]
    if missing:
        raise Failure(f"ePHPm's PHP lacks {', '.join(missing)}, which WordPress needs: {info}")
    # Without imagick, WordPress's only image editor is gd.
    if info.get("imagick"):
        raise Failure(f"imagick is loaded, so the thumbnails would not show gd at work: {info}")
    ok(f"PHP {info['version']} ({info['sapi']}) has mysqli and gd with PNG, no imagick; "
       f"SERVER_SOFTWARE={info['server_software']!r}")

    start = time.monotonic()
    for step in (site.install_wizard, site.install, site.login, site.upload,
                 site.create_post, site.front_page, site.permalinks):
        step()
    ok(f"all WordPress checks passed in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"[wordpress] FAIL: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
