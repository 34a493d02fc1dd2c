"""A small browser for the WordPress test: a cookie jar, redirects followed
by hand (so each hop can be checked), forms and assets read from the HTML.
Python 3 standard library only; it talks to one base URL on 127.0.0.1."""

import html.parser
import http.cookiejar
import secrets
import urllib.error
import urllib.parse
import urllib.request

REQUEST_TIMEOUT = 120  # seconds; a slow CI machine installs WordPress in one request
MAX_REDIRECTS = 10


class Failure(Exception):
    """A check failed; the message says which request and what came back."""


class Response:
    def __init__(self, method, url, status, headers, body):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def header(self, name):
        return self.headers.get(name, "")

    def content_type(self):
        return self.header("Content-Type").split(";")[0].strip().lower()

    def describe(self):
        return f"{self.method} {self.url} -> {self.status} {self.header('Content-Type')!r}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the browser follows redirects itself


class Browser:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        # No ProxyHandler from the environment: traffic stays on 127.0.0.1.
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.jar),
            _NoRedirect(),
        )

    def absolute(self, url):
        url = urllib.parse.urljoin(self.base + "/", url)
        if not (url == self.base or url.startswith(self.base + "/")):
            raise Failure(f"refusing to leave the site under test: {url}")
        return url

    def is_local(self, url):
        url = urllib.parse.urljoin(self.base + "/", url)
        return url == self.base or url.startswith(self.base + "/")

    def cookie_names(self):
        return {c.name for c in self.jar}

    def request(self, method, url, fields=None, files=None, follow=True, headers=None):
        """fields: list of (name, value) pairs; files: list of
        (field, filename, content_type, bytes) sent as multipart/form-data."""
        url = self.absolute(url)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, fields, files, headers or {})
            location = response.header("Location")
            if not follow or response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            url = self.absolute(location)
            if response.status in (301, 302, 303):
                method, fields, files = "GET", None, None
        raise Failure(f"more than {MAX_REDIRECTS} redirects from {method} {url}")

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, fields, **kwargs):
        return self.request("POST", url, fields=fields, **kwargs)

    def _send(self, method, url, fields, files, headers):
        data = None
        headers = dict(headers)
        headers.setdefault("User-Agent", "Mozilla/5.0 (ePHPm WordPress test)")
        if files:
            data, content_type = _multipart(fields or [], files)
            headers["Content-Type"] = content_type
        elif fields is not None:
            data = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as r:
                return Response(method, url, r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:  # any status >= 300 that was not followed
            return Response(method, url, e.code, e.headers, e.read())
        except (urllib.error.URLError, OSError) as e:
            raise Failure(f"{method} {url}: no HTTP response: {e}") from e


def _multipart(fields, files):
    boundary = "----ephpm" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, filename, content_type, content in files:
        parts.append(
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Form:
    def __init__(self, attrs):
        self.attrs = attrs
        self.fields = []  # (name, value) a browser would submit, in page order
        self.radios = {}  # name -> [values]

    def value(self, name):
        for n, v in self.fields:
            if n == name:
                return v
        return None

    def submission(self, **overrides):
        """The fields with overrides applied (a name set to None is dropped)."""
        out, done = [], set()
        for name, value in self.fields:
            if name in overrides:
                if name not in done and overrides[name] is not None:
                    out.append((name, overrides[name]))
                done.add(name)
            else:
                out.append((name, value))
        out += [(n, v) for n, v in overrides.items() if n not in done and v is not None]
        return out


class PageParser(html.parser.HTMLParser):
    """Forms with their fields, and the assets a browser would load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.stylesheets = []
        self.scripts = []
        self.images = []
        self.body_classes = []
        self._form = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "body":
            self.body_classes = a.get("class", "").split()
        elif tag == "link" and "stylesheet" in a.get("rel", "").lower().split() and a.get("href"):
            self.stylesheets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "img":
            if a.get("src"):
                self.images.append(a["src"])
            for candidate in a.get("srcset", "").split(","):
                if candidate.strip():
                    self.images.append(candidate.split()[0])
        elif tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                if kind == "radio":
                    self._form.radios.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form.fields.append((a["name"], a.get("value", "")))
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse(response):
    parser = PageParser()
    parser.feed(response.text)
    parser.close()
    return parser


def find_form(page, response, predicate, what):
    for form in page.forms:
        if predicate(form):
            return form
    raise Failure(f"{response.describe()}: no {what} in the page")
