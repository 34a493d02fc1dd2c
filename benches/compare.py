#!/usr/bin/env python3
"""Side-by-side load test: ePHPm against nginx + php-fpm and Apache + mod_php.

Every server gets the same document root, the same PHP settings and the same
number of PHP workers, runs from a temporary directory (its own configs, pid
files, logs and ports; nothing under /etc, no system service), and is
stopped on exit. Traffic goes to 127.0.0.1 only. Prints one markdown table
of the load cells plus memory and start-up figures; benches/compare.sh
installs the peers and builds ePHPm first.

CPU per request is user+sys time of every process of the server (the
process tree, read from /proc/<pid>/stat) divided by the requests served in
the cell: on a small shared machine it is steadier than requests/s, which
also depends on how much CPU the load generator and other work took.

Memory and start-up are measured with one server running at a time. PSS
divides a shared library's pages among every process that maps it, so a
server measured next to the others looks smaller by whatever it shares with
them (php-fpm and Apache's mod_php map the same Debian PHP extensions and
libraries: about 6 MiB). The load cells then run with every server up.

Every server process runs in this script's session, as wrk and h2load do.
With the kernel's sched autogroup (on in Debian's kernels) a session is a
scheduling group that shares the CPU with the others as a whole: started
with a session each, nginx and php-fpm were two groups against the load
generator's one and ePHPm one, and the load generator's threads waited up
to tens of ms for a CPU (perf sched; docs/benchmarks.md, tenth round).
--own-sessions brings that arrangement back.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The PHP settings every server gets: ePHPm through [php] ini_overrides, the
# peers through their php.ini. JIT off everywhere (PHP 8.2's default).
PHP_INI = [
    ("memory_limit", "128M"),
    ("max_execution_time", "30"),
    ("display_errors", "0"),
    ("log_errors", "1"),
    ("register_argc_argv", "0"),
    ("zend.assertions", "-1"),
    ("output_buffering", "0"),
    ("opcache.enable", "1"),
    ("opcache.enable_cli", "0"),
    ("opcache.memory_consumption", "128"),
    ("opcache.interned_strings_buffer", "8"),
    ("opcache.max_accelerated_files", "10000"),
    ("opcache.validate_timestamps", "0"),
    ("opcache.jit", "disable"),
    ("opcache.jit_buffer_size", "0"),
]


@dataclass
class Workload:
    name: str
    path: str
    kind: str  # "php" or "static": which servers take part
    protocol: str = "h1"  # "h1" (wrk) or "h2" (h2load, prior knowledge)
    post_bytes: int = 0


WORKLOADS = [
    Workload("hello.php", "/hello.php", "php"),
    Workload("HTML page", "/html.php", "php"),
    Workload("json_encode 50", "/json.php", "php"),
    Workload("include 200 classes", "/include.php", "php"),
    Workload("POST 100 KB", "/post.php", "php", post_bytes=100 * 1024),
    Workload("static 1 KiB", "/static/1k.bin", "static"),
    Workload("static 100 KiB", "/static/100k.bin", "static"),
    Workload("static 1 MiB", "/static/1m.bin", "static"),
    Workload("h2 hello.php", "/hello.php", "php", protocol="h2"),
    Workload("h2 static 1 KiB", "/static/1k.bin", "static", protocol="h2"),
]


def log(message):
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- /proc ----


def all_parents():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def process_tree(roots):
    """The given pids and all their descendants that are alive."""
    parents = all_parents()
    tree = {r for r in roots if r in parents}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def cpu_seconds(pids):
    """user+sys of the processes, including children they have reaped."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 here.
        ticks += sum(int(f) for f in fields[11:15])
    return ticks / CLK_TCK


def memory_kib(pids):
    """(RSS, PSS) summed over the processes, in KiB."""
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


# -------------------------------------------------------------- servers ----


@dataclass
class Server:
    name: str
    port: int
    h2_port: int | None  # None: no HTTP/2 listener to offer
    kinds: tuple  # which workload kinds it takes part in
    commands: list  # (argv, env) per process to start
    procs: list = field(default_factory=list)
    startup_seconds: float | None = None
    idle: tuple = (0, 0)
    peak: list = field(default_factory=lambda: [0, 0])
    note: str = ""
    # Each process in a session of its own (setsid) instead of only a
    # process group of its own; see --own-sessions.
    own_sessions: bool = False

    def pids(self):
        return process_tree([p.pid for p in self.procs if p.poll() is None])

    def start(self, log_dir):
        """Starts the processes; returns the seconds to the first 200."""
        began = time.monotonic()
        self.procs = []
        # A process group of its own, for stop(); by default in this
        # script's session, which wrk and h2load share: with the kernel's
        # sched autogroup, every session is a scheduling group.
        group = {"start_new_session": True} if self.own_sessions else {"process_group": 0}
        for i, (argv, env) in enumerate(self.commands):
            out = open(log_dir / f"{self.slug()}-{i}.out", "wb")
            self.procs.append(
                subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, **group))
        return wait_for_200(self, began)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()

    def slug(self):
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower())


def http_status(port, path, timeout=1.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = s.recv(64).decode("latin-1")
    match = re.match(r"HTTP/1\.\d (\d{3})", head)
    return int(match.group(1)) if match else None


def http_get(port, path, timeout=5.0):
    """(status, body) of a GET over HTTP/1.0 (the server closes after it)."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.\d (\d{3})", head)
    return (int(match.group(1)) if match else None), body


def check_same_answers(servers, workloads):
    """Every server must answer every GET workload with 200 and the same body
    (one document root, one PHP): a misconfigured peer would be measured
    doing something else."""
    for w in workloads:
        if w.post_bytes or w.protocol != "h1":
            continue
        answers = {s.name: http_get(s.port, w.path) for s in servers if w.kind in s.kinds}
        expected = next(iter(answers.values()))[1]
        for name, (status, body) in answers.items():
            if status != 200 or body != expected:
                raise RuntimeError(f"{name} answers {w.path} with {status} and "
                                   f"{len(body)} bytes (expected 200, {len(expected)} bytes)")


def wait_for_200(server, began, path="/hello.php", limit=30.0):
    """Seconds from starting the processes to the first 200 for hello.php."""
    while time.monotonic() - began < limit:
        for p in server.procs:
            if p.poll() is not None:
                raise RuntimeError(f"{server.name}: {p.args[0]} exited with {p.returncode}")
        try:
            if http_status(server.port, path) == 200:
                return time.monotonic() - began
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{server.name}: no 200 for {path} within {limit:.0f} s")


def php_ini_text(tmp):
    lines = [f"{k}={v}" for k, v in PHP_INI]
    lines.append(f"error_log={tmp / 'php-errors.log'}")
    return "\n".join(lines) + "\n"


def toml_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ephpm_config(binary, tmp, docroot, port, workers, io_threads):
    overrides = ", ".join(
        f"[{toml_string(k)}, {toml_string(v)}]" for k, v in PHP_INI
        if k not in ("memory_limit", "max_execution_time", "opcache.validate_timestamps"))
    base = f"""[server]
listen = "127.0.0.1:{port}"
document_root = {toml_string(str(docroot))}
io_threads = {io_threads}

[php]
workers = {workers}
memory_limit = "128M"
max_execution_time = 30
opcache_validate_timestamps = false
ini_overrides = [{overrides}]
"""
    # The access log switch is newer than some binaries: keep it only if the
    # binary accepts it, and say so in the notes otherwise.
    with_access = base + '\n[server.logging]\nlevel = "warn"\naccess = "off"\n'
    without = base + '\n[server.logging]\nlevel = "warn"\n'
    path = tmp / f"ephpm-{port}.toml"
    for text, note in ((with_access, ""),
                       (without, "this ePHPm build has no `[server.logging] access` key; "
                                 "its access log is debug-level, off at level warn")):
        path.write_text(text)
        check = subprocess.run([str(binary), "--config", str(path), "--check-config"],
                               capture_output=True, text=True, timeout=30)
        if check.returncode == 0:
            return path, note
    raise RuntimeError(f"ephpm --check-config refused the config:\n{check.stderr}")


def make_ephpm(binary, tmp, docroot, workers, io_threads, name="ePHPm"):
    port = free_port()
    conf, note = ephpm_config(binary, tmp, docroot, port, workers, io_threads)
    return Server(name, port, port, ("php", "static"),
                  [([str(binary), "--config", str(conf)], dict(os.environ))], note=note)


def make_nginx_fpm(tmp, docroot, workers):
    port, h2_port = free_port(), free_port()
    d = tmp / "nginx"
    for sub in ("body", "fastcgi", "proxy", "scgi", "uwsgi"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    ini_dir = tmp / "php-fpm"
    ini_dir.mkdir()
    (ini_dir / "php.ini").write_text(php_ini_text(tmp))
    sock = tmp / "php-fpm.sock"
    (ini_dir / "php-fpm.conf").write_text(f"""[global]
pid = {ini_dir}/php-fpm.pid
error_log = {ini_dir}/error.log
daemonize = no

[bench]
user = root
group = root
listen = {sock}
pm = static
pm.max_children = {workers}
pm.max_requests = 0
""")
    (d / "nginx.conf").write_text(f"""user root;
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_max_body_size 8m;
    client_body_buffer_size 128k;
    client_body_temp_path {d}/body;
    fastcgi_temp_path {d}/fastcgi;
    proxy_temp_path {d}/proxy;
    scgi_temp_path {d}/scgi;
    uwsgi_temp_path {d}/uwsgi;
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.1:{h2_port} http2;
        root {docroot};
        index index.php index.html;
        location / {{ try_files $uri $uri/ /index.php?$query_string; }}
        location ~ \\.php$ {{
            try_files $uri =404;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_pass unix:{sock};
        }}
    }}
}}
""")
    env = dict(os.environ)
    return Server("nginx + php-fpm", port, h2_port, ("php", "static"), [
        (["php-fpm8.2", "--nodaemonize", "--allow-to-run-as-root", "--fpm-config",
          str(ini_dir / "php-fpm.conf"), "-c", str(ini_dir / "php.ini")], env),
        (["nginx", "-p", str(d), "-e", str(d / "error.log"), "-c", str(d / "nginx.conf"),
          "-g", "daemon off;"], env),
    ])


def make_apache(tmp, docroot, workers):
    port = free_port()
    d = tmp / "apache"
    (d / "run").mkdir(parents=True)
    (d / "php.ini").write_text(php_ini_text(tmp))
    modules = "/usr/lib/apache2/modules"
    (d / "apache2.conf").write_text(f"""ServerRoot {d}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {d}/apache2.pid
DefaultRuntimeDir {d}/run
ErrorLog {d}/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_prefork_module {modules}/mod_mpm_prefork.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule php_module {modules}/libphp8.2.so
TypesConfig /etc/mime.types
StartServers {workers}
MinSpareServers {workers}
MaxSpareServers {workers}
ServerLimit {workers}
MaxRequestWorkers {workers}
MaxConnectionsPerChild 0
KeepAlive On
EnableSendfile On
PHPIniDir {d}
DocumentRoot {docroot}
DirectoryIndex index.php index.html
<Directory />
    AllowOverride None
    Require all granted
</Directory>
<FilesMatch "\\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
""")
    env = dict(os.environ, APACHE_RUN_DIR=str(d / "run"), APACHE_LOCK_DIR=str(d / "run"),
               APACHE_PID_FILE=str(d / "apache2.pid"), APACHE_LOG_DIR=str(d),
               APACHE_RUN_USER="www-data", APACHE_RUN_GROUP="www-data")
    return Server("Apache + mod_php", port, None, ("php", "static"),
                  [(["apache2", "-f", str(d / "apache2.conf"), "-DFOREGROUND"], env)])


# ------------------------------------------------------------- fixtures ----


def make_docroot(tmp):
    docroot = tmp / "docroot"
    shutil.copytree(HERE / "fixtures", docroot)
    classes = docroot / "classes"
    classes.mkdir()
    for i in range(200):
        (classes / f"BenchClass{i}.php").write_text(f"""<?php
final class BenchClass{i}
{{
    public const ID = {i};
    private array $data;

    public function __construct()
    {{
        $this->data = ['id' => self::ID, 'name' => 'class {i}'];
    }}

    public function id(): int
    {{
        return $this->data['id'];
    }}

    public function describe(string $prefix): string
    {{
        return $prefix . ' ' . $this->data['name'] . ' #' . self::ID;
    }}
}}
""")
    static = docroot / "static"
    static.mkdir()
    pattern = bytes(range(256))
    for name, size in (("1k.bin", 1024), ("100k.bin", 100 * 1024), ("1m.bin", 1024 * 1024)):
        (static / name).write_bytes((pattern * (size // 256 + 1))[:size])
    # Readable by Apache's www-data children. Dated an hour back: OPcache
    # leaves a file changed in the last 2 s uncached
    # (opcache.file_update_protection), in every server alike.
    an_hour_ago = time.time() - 3600
    for path in [tmp, *tmp.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
        os.utime(path, (an_hour_ago, an_hour_ago))
    return docroot


# ------------------------------------------------------------ load tools ----


def seconds_of(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2)]
    return float(match.group(1)) * scale


@dataclass
class Sample:
    requests: int = 0
    rps: float = 0.0
    p50: float | None = None
    p99: float | None = None
    bad: int = 0  # non-2xx responses, socket errors, failed requests
    cpu_per_request: float | None = None


def bounded_run(argv, duration):
    """The tool's output; empty (no requests counted) if it overran."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=duration + 20).stdout
    except subprocess.TimeoutExpired:
        log(f"{argv[0]} did not finish in {duration + 20} s; cell counted as failed")
        return ""


def run_wrk(url, duration, connections, threads, script):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "--timeout", "5s"]
    if script:
        argv += ["-s", str(script)]
    out = bounded_run(argv + [url], duration)
    s = Sample()
    m = re.search(r"(\d+) requests in", out)
    s.requests = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    s.rps = float(m.group(1)) if m else 0.0
    for pct, attr in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        setattr(s, attr, seconds_of(m.group(1)) if m else None)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    s.bad += int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    s.bad += sum(int(x) for x in m.groups()) if m else 0
    return s


def run_h2load(url, duration, connections, threads, tmp):
    # connections x streams = the same number of requests in flight as wrk.
    streams = 4
    clients = max(threads, connections // streams)
    log_file = tmp / "h2load.log"
    log_file.unlink(missing_ok=True)
    argv = ["h2load", "-t", str(threads), "-c", str(clients), "-m", str(streams), "-D",
            str(duration), "--log-file", str(log_file), url]
    out = bounded_run(argv, duration)
    s = Sample()
    m = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed,"
                  r" (\d+) errored", out)
    if m:
        s.requests = int(m.group(2))
        s.bad = int(m.group(4)) + int(m.group(5))
    m = re.search(r"status codes: (\d+) 2xx", out)
    ok = int(m.group(1)) if m else 0
    s.bad = max(s.bad, s.requests - ok)
    m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
    s.rps = float(m.group(2)) if m and ok else 0.0
    times = []
    if log_file.exists():
        for line in log_file.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1].startswith("2"):
                times.append(int(parts[2]) * 1e-6)
    if times:
        times.sort()
        s.p50 = times[len(times) // 2]
        s.p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return s


class PeakSampler:
    """Samples a server's RSS/PSS while it is under load and keeps the peak."""

    def __init__(self, server, interval=0.25):
        self.server, self.interval = server, interval
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_event.wait(self.interval):
            rss, pss = memory_kib(self.server.pids())
            self.server.peak[0] = max(self.server.peak[0], rss)
            self.server.peak[1] = max(self.server.peak[1], pss)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


def serves(server, workload):
    return workload.kind in server.kinds and (workload.protocol != "h2"
                                              or server.h2_port is not None)


def load(server, workload, seconds, args, tmp, post_script):
    port = server.h2_port if workload.protocol == "h2" else server.port
    url = f"http://127.0.0.1:{port}{workload.path}"
    if workload.protocol == "h2":
        return run_h2load(url, seconds, args.connections, args.threads, tmp)
    script = post_script if workload.post_bytes else None
    return run_wrk(url, seconds, args.connections, args.threads, script)


def measure_alone(server, workloads, args, tmp, post_script):
    """Start-up time, idle memory (after one request per GET workload) and
    peak memory (under a short run of every workload), with no other server
    up; the server is stopped again afterwards."""
    log(f"measuring {server.name} alone")
    server.startup_seconds = server.start(tmp)
    try:
        for w in workloads:
            if serves(server, w) and w.protocol == "h1" and not w.post_bytes:
                http_get(server.port, w.path)
        time.sleep(1)
        server.idle = memory_kib(server.pids())
        with PeakSampler(server):
            for w in workloads:
                if serves(server, w):
                    load(server, w, max(1, args.warmup), args, tmp, post_script)
    finally:
        server.stop()


def run_cell(server, workload, args, tmp, post_script):
    pids = server.pids()
    cpu_before = cpu_seconds(pids)
    sample = load(server, workload, args.duration, args, tmp, post_script)
    cpu = cpu_seconds(server.pids() | pids) - cpu_before
    if sample.requests:
        sample.cpu_per_request = cpu / sample.requests
    return sample


# --------------------------------------------------------------- report ----


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_time(seconds):
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.2f} ms"


def fmt_ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def summarize(samples):
    rps = [s.rps for s in samples]
    return {
        "rps": median_or_none(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50": median_or_none([s.p50 for s in samples]),
        "p99": median_or_none([s.p99 for s in samples]),
        "cpu": median_or_none([s.cpu_per_request for s in samples]),
        "bad": sum(s.bad for s in samples),
        "requests": sum(s.requests for s in samples),
    }


def reference_name(workload):
    return "nginx (static)" if workload.kind == "static" else "nginx + php-fpm"


TARGETS = [
    # workload, what, ratio bound, comparison
    ("hello.php", "req/s", 1.5, ">="),
    ("hello.php", "p99", 1.0, "<="),
    ("hello.php", "CPU/req", 0.5, "<="),
    ("HTML page", "req/s", 1.3, ">="),
    ("json_encode 50", "req/s", 1.3, ">="),
    ("include 200 classes", "req/s", 1.2, ">="),
    ("static 1 KiB", "req/s", 0.9, ">="),
    ("static 1 MiB", "req/s", 1.0, ">="),
]


def report(results, servers, args, notes):
    out = []
    out.append("| workload | server | req/s (median) | req/s range | p50 | p99 | CPU µs/req |"
               " errors | ePHPm ÷ nginx: req/s | p99 | CPU/req |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {}
    for workload in WORKLOADS:
        cells = results.get(workload.name, {})
        ref_key = "nginx + php-fpm"
        ref = cells.get(ref_key)
        for name, summary in cells.items():
            shown = reference_name(workload) if name == ref_key else name
            if summary is None:
                out.append(f"| {workload.name} | {shown} | n/a | | | | | | | | |")
                continue
            cpu = f"{summary['cpu'] * 1e6:.1f}" if summary["cpu"] else "–"
            r = ["", "", ""]
            if name.startswith("ePHPm") and ref:
                r = [fmt_ratio(summary["rps"], ref["rps"]), fmt_ratio(summary["p99"], ref["p99"]),
                     fmt_ratio(summary["cpu"], ref["cpu"])]
            if name == "ePHPm" and ref:
                ratios[workload.name] = {
                    "req/s": summary["rps"] / ref["rps"] if summary["rps"] and ref["rps"] else None,
                    "p99": summary["p99"] / ref["p99"] if summary["p99"] and ref["p99"] else None,
                    "CPU/req": summary["cpu"] / ref["cpu"] if summary["cpu"] and ref["cpu"] else None,
                }
            rps = f"{summary['rps']:.0f}" if summary["rps"] else "0"
            spread = f"{summary['rps_min']:.0f}–{summary['rps_max']:.0f}"
            bad = f"{summary['bad']}/{summary['requests']}"
            out.append(f"| {workload.name} | {shown} | {rps} | {spread} | {fmt_time(summary['p50'])}"
                       f" | {fmt_time(summary['p99'])} | {cpu} | {bad} | {r[0]} | {r[1]} | {r[2]} |")
    out.append("")
    out.append("| server | idle RSS | idle PSS | peak RSS | peak PSS | start to first 200 |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for s in servers:
        out.append(f"| {s.name} | {s.idle[0] / 1024:.1f} MiB | {s.idle[1] / 1024:.1f} MiB |"
                   f" {s.peak[0] / 1024:.1f} MiB | {s.peak[1] / 1024:.1f} MiB |"
                   f" {s.startup_seconds * 1e3:.0f} ms |")
    out.append("")
    out.append("Targets (ePHPm ÷ nginx + php-fpm; static rows ÷ nginx):")
    out.append("")
    pss = {s.name: s.idle[1] for s in servers}
    for workload, what, bound, op in TARGETS:
        value = ratios.get(workload, {}).get(what)
        if value is None:
            verdict = "not measured"
        else:
            met = value >= bound if op == ">=" else value <= bound
            verdict = f"{value:.2f}× — {'met' if met else 'MISSED'}"
        out.append(f"- {workload} {what} {op} {bound}×: {verdict}")
    if "ePHPm" in pss and "nginx + php-fpm" in pss:
        met = pss["ePHPm"] <= pss["nginx + php-fpm"]
        out.append(f"- idle PSS <= nginx + php-fpm: {pss['ePHPm'] / 1024:.1f} vs "
                   f"{pss['nginx + php-fpm'] / 1024:.1f} MiB — {'met' if met else 'MISSED'}")
    out.append("")
    out.append(f"Settings: {args.connections} connections ({args.threads} load threads; h2load "
               f"{max(args.threads, args.connections // 4)} connections × 4 streams), "
               f"{args.duration} s per cell after a {args.warmup} s warm-up, "
               f"{args.repeats} repeats (median; range = min–max), {args.workers} PHP workers "
               f"per server, ePHPm io_threads {args.io_threads or 'default'}, {os.cpu_count()} CPUs, "
               f"{sessions_note(args)}.")
    for note in notes:
        out.append(f"Note: {note}")
    return "\n".join(out)


# ----------------------------------------------------------------- main ----


def sessions_note(args):
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    on = autogroup.exists() and autogroup.read_text().strip() == "1"
    where = ("each server process in a session of its own" if args.own_sessions
             else "servers and load generator in one session")
    return f"{where} (sched autogroup {'on' if on else 'off'})"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ephpm", type=Path, default=HERE.parent / "build" / "release" / "ephpm",
                   help="the ephpm binary (default: build/release/ephpm)")
    p.add_argument("--duration", type=int, default=4, help="seconds per cell")
    p.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per server+workload")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="load generator threads")
    p.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                   help="PHP workers of every server (default: 2 x CPUs, ePHPm's default)")
    p.add_argument("--io-threads", type=int, default=0,
                   help="ePHPm's [server] io_threads (default: 0, ePHPm's own default)")
    p.add_argument("--also-io-threads", type=int, action="append", default=[],
                   metavar="N", help="run a second ePHPm with this many io threads side by "
                   "side (repeatable); the targets use the first")
    p.add_argument("--also-ephpm", type=Path, action="append", default=[],
                   help="run this other ephpm binary side by side too (e.g. a dynamically "
                        "linked build against the static release)")
    p.add_argument("--only", help="comma-separated workload names (default: all)")
    p.add_argument("--servers", default="ephpm,nginx,apache")
    p.add_argument("--own-sessions", action="store_true",
                   help="start each server process in a session of its own; with sched "
                   "autogroup each session is then a scheduling group competing with the "
                   "load generator's as a whole (default: one session for all)")
    p.add_argument("--output", type=Path, help="also write the report here")
    return p.parse_args()


def main():
    args = parse_args()
    workloads = WORKLOADS
    if args.only:
        wanted = {w.strip() for w in args.only.split(",")}
        workloads = [w for w in WORKLOADS if w.name in wanted or w.path.lstrip("/") in wanted]
    tmp = Path(tempfile.mkdtemp(prefix="ephpm-compare-"))
    servers = []
    notes = []
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        docroot = make_docroot(tmp)
        post_script = tmp / "post.lua"
        post_script.write_text('wrk.method = "POST"\n'
                               'wrk.headers["Content-Type"] = "application/octet-stream"\n'
                               f'wrk.body = string.rep("x", {100 * 1024})\n')
        wanted = set(args.servers.split(","))
        if "ephpm" in wanted:
            servers.append(make_ephpm(args.ephpm.resolve(), tmp, docroot, args.workers,
                                      args.io_threads))
            if servers[-1].note:
                notes.append(servers[-1].note)
            for count in args.also_io_threads:
                servers.append(make_ephpm(args.ephpm.resolve(), tmp, docroot, args.workers,
                                          count, name=f"ePHPm, io_threads {count}"))
            for other in args.also_ephpm:
                servers.append(make_ephpm(other.resolve(), tmp, docroot, args.workers,
                                          args.io_threads, name=f"ePHPm {other.parent.name}"))
        if "nginx" in wanted:
            servers.append(make_nginx_fpm(tmp, docroot, args.workers))
        if "apache" in wanted:
            servers.append(make_apache(tmp, docroot, args.workers))
        for s in servers:
            s.own_sessions = args.own_sessions
        for s in servers:
            measure_alone(s, workloads, args, tmp, post_script)
        # One at a time, so start-ups do not compete with each other.
        for s in servers:
            log(f"starting {s.name}")
            s.start(tmp)
        check_same_answers(servers, workloads)

        raw = {}
        for w in workloads:
            for s in servers:
                if w.kind in s.kinds:
                    raw.setdefault(w.name, {})[s.name] = [] if serves(s, w) else None
        # Warm-up: OPcache filled, page cache hot, pools at full size.
        for w in workloads:
            for s in servers:
                if raw.get(w.name, {}).get(s.name) is None:
                    continue
                warm = argparse.Namespace(**vars(args))
                warm.duration = args.warmup
                run_cell(s, w, warm, tmp, post_script)
        # Repeats interleave servers and workloads, so a burst of outside
        # load hurts every server rather than one.
        for r in range(args.repeats):
            for w in workloads:
                for s in servers:
                    cell = raw.get(w.name, {}).get(s.name)
                    if cell is None:
                        continue
                    sample = run_cell(s, w, args, tmp, post_script)
                    cell.append(sample)
                    log(f"repeat {r + 1}/{args.repeats} {w.name:20} {s.name:18} "
                        f"{sample.rps:9.0f} req/s  p99 {fmt_time(sample.p99):>9}  bad {sample.bad}")
        results = {}
        for w in workloads:
            results[w.name] = {
                name: (summarize(samples) if samples and any(x.rps for x in samples) else None)
                for name, samples in raw.get(w.name, {}).items()
            }
        for w in workloads:
            if w.protocol == "h2" and results[w.name].get("ePHPm", 0) is None:
                notes.append(f"{w.name}: n/a for ePHPm, no 2xx answer to HTTP/2 with prior "
                             "knowledge (this build speaks HTTP/1.1 only)")
        for s in servers:
            if s.name == "Apache + mod_php":
                notes.append("Apache + mod_php: prefork, one process per connection "
                             f"({args.workers} processes), Debian's KeepAlive defaults "
                             "(100 requests, 5 s); no HTTP/2 (mod_http2 under prefork "
                             "handles one stream at a time)")
        versions = tool_versions(args.ephpm)
        notes.append("versions: " + "; ".join(versions))
        text = report(results, servers, args, notes)
        print(text)
        if args.output:
            args.output.write_text(text + "\n")
        return 0
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for s in servers:
            s.stop()
        if os.environ.get("EPHPM_COMPARE_KEEP"):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def tool_versions(ephpm):
    def first_line(argv, pattern=None):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        text = (p.stdout + p.stderr).strip()
        if pattern:
            m = re.search(pattern, text)
            return m.group(0) if m else "?"
        return text.splitlines()[0] if text else "?"

    return [
        first_line([str(ephpm), "--version"], r"ephpm \S+\nPHP \S+ \(ZTS").replace("\n", " with ").replace("(ZTS", "ZTS"),
        first_line(["php-fpm8.2", "-v"], r"PHP \S+ \(fpm-fcgi\)") + " NTS and its mod_php",
        first_line(["nginx", "-v"], r"nginx/\S+"),
        first_line(["apache2", "-v"], r"Apache/\S+"),
        first_line(["wrk", "-v"], r"wrk \S+"),
        first_line(["h2load", "--version"], r"h2load nghttp2/\S+"),
    ]


if __name__ == "__main__":
    sys.exit(main())
