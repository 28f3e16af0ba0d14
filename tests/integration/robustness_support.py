"""Helpers of the robustness tests (label `robustness`, issue 9): the API error format, RSS
of a process, snapshots of the database's tables, a small file system to fill, and a bounded
parallel runner."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

# Tables whose rows the service writes by itself (heartbeats, the event log of clusters).
SELF_WRITTEN = ("magnum_service", "cluster_event")


def api_error_problems(status, headers, raw):
    """What is wrong with a 4xx/5xx response as an API error (empty list: nothing).

    The format (api/errors.cc): {"errors": [{"request_id", "code", "status", "title",
    "detail", ...}]} with the status repeated, and an x-openstack-request-id header."""
    problems = []
    rid = None
    for k, v in headers:
        if k.lower() == "x-openstack-request-id":
            rid = v
    if not rid or not rid.startswith("req-"):
        problems.append("no x-openstack-request-id header")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return problems + ["body is not JSON: %r" % raw[:200]]
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list) or \
            not body["errors"] or not isinstance(body["errors"][0], dict):
        return problems + ["body is not {\"errors\": [{...}]}: %r" % raw[:200]]
    err = body["errors"][0]
    for key in ("request_id", "code", "status", "title", "detail"):
        if key not in err:
            problems.append("error has no %r: %r" % (key, raw[:200]))
    if err.get("status") != status:
        problems.append("error status %r != HTTP status %d" % (err.get("status"), status))
    return problems


def rss_kb(pid):
    """VmRSS of a process in kB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def db_snapshot(db, exclude=SELF_WRITTEN):
    """Every row of every table (but `exclude`) of `db` (database_support) as
    {table: sorted list of row tuples}."""
    return {name: sorted(db.query('SELECT * FROM "%s"' % name), key=repr)
            for name in db.tables() if name not in exclude}


class SmallFilesystem:
    """A file system of `size_mb` MB mounted on a fresh directory: tmpfs, or (when tmpfs
    cannot be mounted) an ext4 image on a loop device. `unavailable` says why neither works
    (the caller skips with it). unmount() always unmounts and removes what it made."""

    def __init__(self, size_mb=4):
        self.size_mb = size_mb
        self.base = tempfile.mkdtemp(prefix="magnum-smallfs-")
        self.path = os.path.join(self.base, "mnt")
        os.mkdir(self.path)
        self.kind = None
        self.unavailable = None
        self._image = None

    def mount(self):
        reasons = []
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % self.size_mb,
                            "magnum-robustness", self.path], capture_output=True, text=True)
        if r.returncode == 0:
            self.kind = "tmpfs"
            return self
        reasons.append("mount -t tmpfs: " + (r.stderr.strip() or "exit %d" % r.returncode))
        mkfs = shutil.which("mkfs.ext4") or shutil.which("mkfs.ext4", path="/sbin:/usr/sbin")
        if mkfs:
            self._image = os.path.join(self.base, "fs.img")
            with open(self._image, "wb") as f:
                f.truncate(self.size_mb * 1024 * 1024)
            r = subprocess.run([mkfs, "-q", "-F", self._image], capture_output=True, text=True)
            if r.returncode == 0:
                r = subprocess.run(["mount", "-o", "loop", self._image, self.path],
                                   capture_output=True, text=True)
                if r.returncode == 0:
                    self.kind = "ext4 on loop"
                    return self
            reasons.append("loop-mounted ext4: " + (r.stderr.strip() or "exit %d" % r.returncode))
        else:
            reasons.append("no mkfs.ext4 for a loop-mounted file system")
        self.unavailable = "; ".join(reasons)
        return self

    def fill(self, name="filler"):
        """Writes a file until the file system is full; returns its path."""
        path = os.path.join(self.path, name)
        chunk = b"\0" * 65536
        with open(path, "wb", buffering=0) as f:
            for size in (65536, 4096, 512, 1):
                while True:
                    try:
                        f.write(chunk[:size])
                    except OSError:
                        break
        return path

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def unmount(self):
        if self.kind is not None:
            for _ in range(20):
                r = subprocess.run(["umount", self.path], capture_output=True, text=True)
                if r.returncode == 0:
                    break
                time.sleep(0.25)
            else:
                subprocess.run(["umount", "-l", self.path], capture_output=True)
            self.kind = None
        shutil.rmtree(self.base, ignore_errors=True)


def run_parallel(fn, items, workers):
    """Calls fn(item) for every item on `workers` threads; returns the list of exceptions."""
    lock = threading.Lock()
    it = iter(items)
    errors = []

    def worker():
        while True:
            with lock:
                try:
                    item = next(it)
                except StopIteration:
                    return
            try:
                fn(item)
            except Exception as e:  # noqa: BLE001 - reported by the caller
                with lock:
                    errors.append(e)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]
