#!/usr/bin/env python3
"""Several processes, one bank (issue 14): two `serve` processes and a `worker` against one
PostgreSQL database, with files in an S3-compatible object store (moto in server mode, from
PyPI), as behind a load balancer. Shows, each time across processes:
  * a session signed in on server A is the same session on server B;
  * evidence uploaded through A is downloaded through B, byte for byte, from the bucket
    (nothing lands in a local files directory);
  * an import queued through A's API is run by the worker (the servers run no jobs),
    followed through B's API to the end, and its rejected-rows file fetched through B;
  * rate limits are shared: sign-in attempts counted on A are refused on B.

Use: scripts/multiprocess.py path/to/creditbank
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults as f  # noqa: E402  (the fault script's bank, processes and files)

BUCKET = "creditbank"
LEARNER = ("440106199001011235", "Demo1234")


def log(*a):
    print("multiprocess:", *a, flush=True)


class Server:
    """One process's address, with a cookie jar of one."""

    def __init__(self, port):
        self.port = port
        self.cookie = None

    def call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                self.cookie = v.split(";", 1)[0]
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def form_token(html):
    m = re.search(rb'name="_csrf" value="([0-9a-f]+)"', html)
    return m.group(1).decode() if m else f.fail("no CSRF token on the page")


def sign_in(bank, server):
    _, _, page = server.call("GET", "/login/learner")
    captcha = re.search(rb'name="captcha_id" value="([^"]+)"', page).group(1).decode()
    answer = bank.sql(f"SELECT answer FROM captchas WHERE id = '{captcha}'")
    body = urllib.parse.urlencode({"_csrf": form_token(page), "login": LEARNER[0], "password": LEARNER[1],
                                   "captcha_id": captcha, "captcha": answer})
    status, headers, _ = server.call("POST", "/login/learner", body,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303:
        f.fail(f"sign-in on A answered {status}")


def multipart(fields, file_field, name, data, mime):
    boundary = "multi" + os.urandom(8).hex()
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
             for k, v in fields.items()]
    parts.append((f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\n"
                  f"Content-Type: {mime}\r\n\r\n").encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def bucket_keys(endpoint):
    status, body = f.http("GET", f"{endpoint}/{BUCKET}?list-type=2")
    if status != 200:
        f.fail(f"listing the bucket answered {status}")
    return re.findall(rb"<Key>([^<]+)</Key>", body)


def main():
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="creditbank-multi-")
    moto_port = f.free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    moto_log = open(os.path.join(work, "moto.log"), "ab")
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(moto_port)],
                            stdout=moto_log, stderr=moto_log)
    bank = None
    try:
        f.wait_for(lambda: f.http("GET", endpoint + "/", timeout=2)[0] == 200, "the S3 server", deadline=60)
        if f.http("PUT", f"{endpoint}/{BUCKET}")[0] != 200:
            f.fail("could not create the bucket")
        s3 = {"CREDITBANK_FILES_URL": f"s3://{BUCKET}/bank", "AWS_ENDPOINT": endpoint,
              "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
              "AWS_ALLOW_HTTP": "true"}

        class SharedBank(f.Bank):
            def env(self, **extra):
                return super().env(**{**s3, **extra})

        bank = SharedBank(binary, "postgres", work)
        bank.serve(demo=True, runs_jobs=False)
        a = Server(bank.port)
        b = Server(f.free_port())
        bank.start("serve", "--listen", f"127.0.0.1:{b.port}", runs_jobs=False, name="serve-b")
        f.wait_for(lambda: f.http("GET", f"http://127.0.0.1:{b.port}/healthz", timeout=2)[0] == 200, "server B")
        bank.worker()
        bank.api_key()
        log(f"two servers (:{a.port}, :{b.port}) and a worker on one PostgreSQL, files in s3://{BUCKET}")

        # A session signed in on A is the same session on B.
        sign_in(bank, a)
        b.cookie = a.cookie
        status, _, home = b.call("GET", "/learner")
        name = bank.sql(f"SELECT name FROM learners WHERE id_number = '{LEARNER[0]}'")
        if status != 200 or name.encode() not in home:
            f.fail(f"B does not know A's session: {status}")
        log("  a session signed in on A is signed in on B")

        # Evidence uploaded through A comes back through B, from the bucket.
        outcome = bank.sql("SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id "
                           f"WHERE l.id_number = '{LEARNER[0]}' AND lo.status = 'registered' ORDER BY lo.id LIMIT 1")
        _, _, page = a.call("GET", f"/learner/outcomes/{outcome}")
        pdf = b"%PDF-1.4\n% evidence for the multi-process test " + os.urandom(16).hex().encode() + b"\n%%EOF\n"
        body, ctype = multipart({"_csrf": form_token(page)}, "file", "证明材料.pdf", pdf, "application/pdf")
        status, _, _ = a.call("POST", f"/learner/outcomes/{outcome}/files", body, {"Content-Type": ctype})
        if status != 303:
            f.fail(f"the upload through A answered {status}")
        file_id = bank.sql("SELECT MAX(id) FROM files")
        status, _, got = b.call("GET", f"/files/{file_id}")
        if status != 200 or got != pdf:
            f.fail(f"B could not serve the file uploaded through A: {status}, {len(got)} bytes")
        if os.path.exists(bank.files) and any(os.scandir(bank.files)):
            f.fail("a file landed in the local files directory")
        log(f"  evidence uploaded through A is served by B from the bucket ({len(bucket_keys(endpoint))} objects)")

        # An import queued through A runs in the worker and is followed through B.
        path = os.path.join(work, "learners.xlsx")
        rows = [[f.SURNAMES[i % 20] + f.GIVEN[i % 20], f.id_number(3_000_000 + i)] for i in range(3000)]
        rows[10][1] = "110101199001011230"  # a wrong check digit
        rows[20][0] = ""                    # no name
        f.xlsx(path, ["*学员姓名", "*身份证号"], rows)
        status, answer = bank.upload(path, "学员名单.xlsx")
        if status != 202:
            f.fail(f"the import through A answered {status}: {answer[:200]!r}")
        job = json.loads(answer)["id"]
        key = {"Authorization": f"Bearer {bank.key}"}

        def finished():
            s, _, doc = b.call("GET", f"/api/v1/institution/jobs/{job}", headers=key)
            return s == 200 and json.loads(doc)["status"] in ("done", "failed")

        f.wait_for(finished, "the worker to run the import queued through A")
        _, _, doc = b.call("GET", f"/api/v1/institution/jobs/{job}", headers=key)
        doc = json.loads(doc)
        if (doc["status"], doc["imported"], doc["rejected"]) != ("done", 2998, 2):
            f.fail(f"the import: {doc}")
        runner = bank.sql(f"SELECT runner FROM jobs WHERE id = {job}")
        _, _, records = b.call("GET", "/api/v1/institution/imports", headers=key)
        record = next(r for r in json.loads(records)["items"] if r["id"] == doc["record_id"])
        status, _, rejected = b.call("GET", f"/api/v1/institution/files/{record['rejected_file_id']}", headers=key)
        if status != 200 or not rejected.startswith(b"PK"):
            f.fail(f"B could not serve the rejected rows the worker wrote: {status}")
        log(f"  an import queued on A ran in the {runner} (2 998 rows, 2 rejected), followed on B, "
            "its rejected rows fetched from B")

        # Sign-in limits are counted in the shared database, whichever server is asked.
        for i in range(31):
            target = a if i % 2 else b
            target.cookie = None
            _, _, page = target.call("GET", "/login/learner")
            captcha = re.search(rb'name="captcha_id" value="([^"]+)"', page).group(1).decode()
            answer = bank.sql(f"SELECT answer FROM captchas WHERE id = '{captcha}'")
            body = urllib.parse.urlencode({"_csrf": form_token(page), "login": LEARNER[0], "password": "wrong1234",
                                           "captcha_id": captcha, "captcha": answer})
            status, _, reply = target.call("POST", "/login/learner", body,
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        if "频繁".encode() not in reply and status != 429:
            f.fail(f"31 attempts over two servers were not limited: {status}")
        log("  sign-in attempts over both servers share one limit")
        log("several processes share one bank")
    finally:
        if bank:
            bank.close()
        moto.kill()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
