#!/usr/bin/env python3
"""Fault injection against real processes (issue 13), bounded in time; standard library only.

On SQLite and on PostgreSQL:
  * kill -9 of `serve` during an import through the API: nothing of the file is stored;
    the restarted server takes the job up again and it completes once;
  * kill -9 of a `worker` (serve runs no jobs): the same; then two workers race for it and
    the job, longer than its lease, is still done by one (the lease is renewed);
  * the disk of the files directory full during an upload (a 1 MiB tmpfs): a clear error
    naming the file, no job, no file row, no partial file; with room again it goes through.
On PostgreSQL only:
  * the database restarted under load (API writes with Idempotency-Key, retried, and an
    import running): the server recovers by itself, every write acknowledged is there, no
    write is doubled, the job is not stuck.

Use: scripts/faults.py path/to/creditbank [sqlite|postgres ...]
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile

PG_ADMIN = os.environ.get("CREDITBANK_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
LEASE = 3
ROWS = int(os.environ.get("FAULT_ROWS", "120000"))
DEADLINE = 240  # seconds any one wait may take


def log(*a):
    print("faults:", *a, flush=True)


def fail(msg):
    raise SystemExit(f"faults: FAILED: {msg}")


# ---------------------------------------------------------------- files to import

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(i, region="110101"):
    """A valid resident ID number, distinct for each i < 3 650 000."""
    day = time.gmtime(946684800 - 86400 * (i // 1000))  # back from 2000-01-01
    first = f"{region}{day.tm_year:04d}{day.tm_mon:02d}{day.tm_mday:02d}{i % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(first, WEIGHTS))
    return first + "10X98765432"[total % 11]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def xlsx(path, header, rows):
    """A minimal .xlsx with inline strings, written as a stream."""
    def cell(col, row, text):
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{col}{row}" t="inlineStr"><is><t>{text}</t></is></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for r, values in enumerate([header] + rows, start=1):
                cells = "".join(cell("AB"[c], r, v) for c, v in enumerate(values))
                f.write(f'<row r="{r}">{cells}</row>'.encode())
            f.write(b"</sheetData></worksheet>")


def learners_file(path, n, offset):
    rows = [[SURNAMES[(i // 20) % 20] + GIVEN[i % 20] + GIVEN[(i // 400) % 20], id_number(offset + i)]
            for i in range(n)]
    xlsx(path, ["*学员姓名", "*身份证号"], rows)


# ---------------------------------------------------------------- the bank's processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bank:
    """One bank (database + files directory) and the processes serving it."""

    def __init__(self, binary, kind, work):
        self.bin, self.kind, self.work = binary, kind, work
        self.files = os.path.join(work, "files")
        if kind == "sqlite":
            self.url = f"sqlite://{work}/bank.db"
        else:
            self.pg_name = "faults_" + uuid.uuid4().hex[:10]
            psql(PG_ADMIN, f"CREATE DATABASE {self.pg_name}")
            self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.pg_name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs = []

    def env(self, **extra):
        e = dict(os.environ, DATABASE_URL=self.url, CREDITBANK_FILES_DIR=self.files,
                 CREDITBANK_JOB_LEASE_SECONDS=str(LEASE), CREDITBANK_API_RATE_PER_MINUTE="1000000",
                 RUST_LOG="warn")
        e.update(extra)
        return e

    def start(self, *args, runs_jobs=True, name="serve"):
        env = self.env(CREDITBANK_SERVE_RUNS_JOBS="true" if runs_jobs else "false")
        out = open(os.path.join(self.work, f"{name}.log"), "ab")
        p = subprocess.Popen([self.bin, *args], cwd=self.work, env=env, stdout=out, stderr=out)
        self.procs.append(p)
        return p

    def serve(self, demo=False, runs_jobs=True):
        args = ["serve", "--listen", f"127.0.0.1:{self.port}"] + (["--demo"] if demo else [])
        p = self.start(*args, runs_jobs=runs_jobs)
        wait_for(lambda: http("GET", self.base + "/healthz", timeout=2)[0] == 200, "the server to answer")
        return p

    def worker(self):
        return self.start("worker", name="worker")

    def api_key(self):
        out = subprocess.run([self.bin, "admin", "create-api-key", "4144051234", "--name", "faults",
                              "--scopes", "write,import"], cwd=self.work, env=self.env(),
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        if not out.startswith("cbk_"):
            fail(f"no API key: {out}")
        self.key = out

    def sql(self, query):
        if self.kind == "sqlite":
            with sqlite3.connect(os.path.join(self.work, "bank.db"), timeout=60) as c:
                return c.execute(query).fetchone()[0]
        out = psql(self.url, query)
        return int(out) if out.lstrip("-").isdigit() else out

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.kind == "postgres":
            psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")

    # API
    def request(self, method, path, body=None, headers=None, timeout=30):
        h = {"Authorization": f"Bearer {self.key}"}
        h.update(headers or {})
        return http(method, self.base + path, body, h, timeout)

    def upload(self, path, name):
        boundary = "faults" + uuid.uuid4().hex
        with open(path, "rb") as f:
            data = f.read()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nlearners\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", "/api/v1/institution/imports", body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=120)

    def job(self, job_id):
        return self.sql(f"SELECT status FROM jobs WHERE id = {job_id}"), \
            self.sql(f"SELECT done FROM jobs WHERE id = {job_id}"), \
            self.sql(f"SELECT attempts FROM jobs WHERE id = {job_id}")


def psql(url, query):
    return subprocess.run(["psql", "-qtAX", url, "-c", query], capture_output=True, text=True,
                          check=True).stdout.strip()


def http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
        return 0, b""


def wait_for(cond, what, deadline=DEADLINE):
    end = time.time() + deadline
    while time.time() < end:
        try:
            if cond():
                return
        except (sqlite3.Error, subprocess.CalledProcessError):
            pass
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def queue_import(bank, n, offset):
    path = os.path.join(bank.work, f"learners-{offset}.xlsx")
    learners_file(path, n, offset)
    status, body = bank.upload(path, f"学员{offset}.xlsx")
    if status != 202:
        fail(f"upload answered {status}: {body[:300]!r}")
    return json.loads(body)["id"]


def kill9(p):
    p.send_signal(signal.SIGKILL)
    p.wait()


def assert_nothing_stored(bank, job_id, learners_before):
    status, done, _ = bank.job(job_id)
    got = counts(bank)
    if status != "running" or got != learners_before:
        fail(f"after the kill: job {status}, (learners, imports) = {got}, expected {learners_before}")
    log(f"  killed at {done} of {ROWS} rows: nothing stored")


def assert_done_once(bank, job_id, learners_before, attempts):
    wait_for(lambda: bank.job(job_id)[0] in ("done", "failed"), f"job {job_id} to finish")
    status, done, tries = bank.job(job_id)
    learners, imports = counts(bank)
    expected = (learners_before[0] + ROWS, learners_before[1] + 1)
    if (status, done, tries) != ("done", ROWS, attempts) or (learners, imports) != expected:
        fail(f"job {job_id}: {status} {done} rows, attempts {tries} (expected {attempts}); "
             f"(learners, imports) = {(learners, imports)}, expected {expected}")
    log(f"  done once: {done} rows, attempts {tries}")


def counts(bank):
    return bank.sql("SELECT COUNT(*) FROM learners"), bank.sql("SELECT COUNT(*) FROM imports")


def wait_running(bank, job_id):
    wait_for(lambda: bank.job(job_id)[0] == "running" and bank.job(job_id)[1] > 0, f"job {job_id} to run")


# ---------------------------------------------------------------- scenarios

def kill_serve(bank):
    log(f"[{bank.kind}] kill -9 of serve during an import")
    p = bank.serve(demo=True)
    bank.api_key()
    before = counts(bank)
    job = queue_import(bank, ROWS, 0)
    wait_running(bank, job)
    kill9(p)
    assert_nothing_stored(bank, job, before)
    p = bank.serve()
    assert_done_once(bank, job, before, attempts=2)
    kill9(p)


def kill_worker(bank):
    log(f"[{bank.kind}] kill -9 of a worker during an import; then two workers race for it")
    web = bank.serve(runs_jobs=False)
    before = counts(bank)
    job = queue_import(bank, ROWS, 1_000_000)
    w = bank.worker()
    wait_running(bank, job)
    kill9(w)
    assert_nothing_stored(bank, job, before)
    workers = [bank.worker(), bank.worker()]
    wait_for(lambda: bank.job(job)[2] == 2, "a worker to claim the job again")
    started = time.time()
    assert_done_once(bank, job, before, attempts=2)
    took = time.time() - started
    log(f"  the second run took {took:.1f} s against a lease of {LEASE} s")
    if took < LEASE + 1:
        fail("the job was too short to show that the lease is renewed: raise FAULT_ROWS")
    for p in workers + [web]:
        kill9(p)


def disk_full(bank):
    log(f"[{bank.kind}] the files directory's disk full during an upload")
    full = os.path.join(bank.work, "full")
    os.makedirs(full)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", full],
                             capture_output=True).returncode == 0
    if not mounted:
        log("  SKIPPED: cannot mount a tmpfs here (not root); tests/full_disk.rs covers the same with a full store")
        return
    try:
        files = bank.files
        bank.files = full
        p = bank.serve(runs_jobs=False)
        # Fill the disk but a little.
        with open(os.path.join(full, "filler"), "wb") as f:
            try:
                f.write(b"\0" * (1024 * 1024))
            except OSError:
                pass
        path = os.path.join(bank.work, "big.xlsx")
        learners_file(path, 20000, 2_000_000)
        jobs, stored = bank.sql("SELECT COUNT(*) FROM jobs"), bank.sql("SELECT COUNT(*) FROM files")
        status, body = bank.upload(path, "学员名单.xlsx")
        doc = json.loads(body or b"{}")
        detail = json.dumps(doc, ensure_ascii=False)
        if status != 422 or "服务器存储空间不足" not in detail or "学员名单.xlsx" not in detail:
            fail(f"a full disk answered {status}: {detail[:300]}")
        left = [n for _, _, names in os.walk(full) for n in names if n != "filler"]
        if (bank.sql("SELECT COUNT(*) FROM jobs"), bank.sql("SELECT COUNT(*) FROM files")) != (jobs, stored) or left:
            fail(f"a refused upload left something behind: {left}")
        log(f"  refused with {status}: {doc.get('fields', doc.get('detail'))}; nothing written")
        os.remove(os.path.join(full, "filler"))
        status, body = bank.upload(path, "学员名单.xlsx")
        if status != 202:
            fail(f"with room again the upload answered {status}: {body[:200]!r}")
        log("  with room again: accepted")
        kill9(p)
        bank.files = files
    finally:
        subprocess.run(["umount", "-l", full])


def pg_restart(bank):
    log("[postgres] PostgreSQL restarted under load")
    p = bank.serve()
    before = counts(bank)
    job = queue_import(bank, ROWS, 3_000_000)
    acked, doubled, errors, transient = [], [], [], []
    stop = threading.Event()

    def writer(first):
        i = first
        while not stop.is_set():
            number, key = id_number(i), uuid.uuid4().hex
            body = json.dumps({"name": "韩梅梅", "id_number": number}).encode()
            end = time.time() + 90
            while time.time() < end:
                status, answer = bank.request("POST", "/api/v1/institution/learners", body,
                                              {"Content-Type": "application/json", "Idempotency-Key": key}, 10)
                # Created; or created by an earlier try whose answer was lost.
                if status == 201 or (status == 409 and b"idempotency_committed" in answer):
                    acked.append(number)
                    break
                if status == 409 and b"idempotency_in_flight" in answer:
                    time.sleep(1)
                    continue
                if status == 422 and "已存在".encode() in answer:
                    doubled.append(number)
                    break
                if status not in (0, 503):
                    errors.append(status)
                    break
                transient.append(status)
                time.sleep(0.2)
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in (4_000_000, 5_000_000)]
    for t in threads:
        t.start()
    wait_running(bank, job)
    time.sleep(1)
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    log(f"  restarted PostgreSQL {version} with {len(acked)} writes acknowledged")
    restarted = len(acked)
    wait_for(lambda: http("GET", bank.base + "/readyz", timeout=2)[0] == 200, "the server to be ready again", 60)
    wait_for(lambda: len(acked) > restarted + 20, "writes to be acknowledged again", 60)
    stop.set()
    for t in threads:
        t.join()
    if errors or doubled:
        fail(f"writes refused: {errors}; retries that ran again: {doubled}")
    listed = ",".join(f"'{n}'" for n in acked)
    found = bank.sql(f"SELECT COUNT(*) FROM learners WHERE id_number IN ({listed})")
    if found != len(acked):
        fail(f"{len(acked)} writes acknowledged, {found} stored")
    log(f"  {len(acked)} writes acknowledged, all stored once; {transient.count(503)} answers 503 + Retry-After "
        f"and {transient.count(0)} refused connections while it restarted")
    wait_for(lambda: bank.job(job)[0] in ("done", "failed"), "the import to finish")
    status, done, tries = bank.job(job)
    if (status, done) != ("done", ROWS) or counts(bank)[1] != before[1] + 1:
        fail(f"the import after the restart: {status} {done} rows, attempts {tries}")
    log(f"  the import finished: {done} rows, attempts {tries}")
    kill9(p)


def main():
    binary = os.path.realpath(sys.argv[1])
    kinds = sys.argv[2:] or ["sqlite", "postgres"]
    started = time.time()
    for kind in kinds:
        work = tempfile.mkdtemp(prefix=f"creditbank-faults-{kind}-")
        bank = Bank(binary, kind, work)
        try:
            kill_serve(bank)
            kill_worker(bank)
            disk_full(bank)
            if kind == "postgres":
                pg_restart(bank)
        except SystemExit:
            for name in ("serve", "worker"):
                log_path = os.path.join(work, f"{name}.log")
                if os.path.exists(log_path):
                    print(f"--- {name}.log (tail)\n" + open(log_path, errors="replace").read()[-3000:])
            raise
        finally:
            bank.close()
            shutil.rmtree(work, ignore_errors=True)
    log(f"all faults survived in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
