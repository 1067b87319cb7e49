#!/usr/bin/env python3
"""The management API against independent checkers (CI runs this on SQLite
and on PostgreSQL):

1. openapi-spec-validator accepts the document the running binary serves;
2. schemathesis runs every operation (examples, coverage, fuzzing and the
   stateful phase) with a key holding every permission, and its checks
   not_a_server_error, status_code_conformance, content_type_conformance and
   response_schema_conformance pass.

It starts the debug binary on a database of its own (SQLite in a temporary
directory, or a new PostgreSQL database under --postgres ADMIN_URL, dropped
afterwards), signs in through the development sign-in, makes an organization
with a few members and a key on the API keys page, as a person would.

    python3 tools/api-conformance/run.py [--postgres URL] [--max-examples N]
"""

import argparse
import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import requests
from openapi_spec_validator import validate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ALL = ["org.view", "org.manage", "org.delete", "members.invite", "members.manage", "customer.view",
       "tickets.create", "services.connect", "projects.view", "projects.develop", "projects.create",
       "projects.manage", "billing.view", "billing.manage", "activity.view", "api_keys.manage", "webhooks.manage"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def field(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    if not m:
        raise SystemExit(f"no field {name} in page:\n{page[:2000]}")
    return html.unescape(m.group(1))


class Person:
    """A browser: cookies kept, redirects not followed."""

    def __init__(self, base):
        self.base, self.s = base, requests.Session()

    def get(self, path):
        return self.s.get(self.base + path, allow_redirects=False)

    def submit(self, page, action, fields):
        token = field(self.get(page).text, "csrf_token")
        return self.s.post(self.base + action, data=[("csrf_token", token)] + list(fields), allow_redirects=False)

    def sign_in(self, email, name):
        to_provider = self.get("/auth/dev/start")
        authorize = to_provider.headers["location"]
        form = self.s.get(urllib.parse.urljoin(self.base, authorize), allow_redirects=False).text
        hidden = [(n, field(form, n)) for n in ("csrf_token", "response_type", "client_id", "redirect_uri",
                                                 "state", "code_challenge", "code_challenge_method")]
        back = self.s.post(self.base + "/dev-oauth/authorize", data=hidden + [("email", email), ("name", name)],
                           allow_redirects=False)
        done = self.s.get(urllib.parse.urljoin(self.base, back.headers["location"]), allow_redirects=False)
        assert done.status_code == 303, done.text


def start(args, data_dir):
    port = free_port()
    env = dict(os.environ, ORGPORTAL_BIND=f"127.0.0.1:{port}", ORGPORTAL_DATA_DIR=data_dir, RUST_LOG="warn",
               ORGPORTAL_RATE_API="1000000/1m", ORGPORTAL_RATE_INVITATIONS_SENT="1000000/1h",
               ORGPORTAL_RATE_TOKEN_FAILURES="1000000/1m", ORGPORTAL_RATE_SIGN_IN="1000/1m",
               # The webhook endpoint made below points at a closed port on loopback.
               ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE="true")
    if args.database_url:
        env["ORGPORTAL_DATABASE_URL"] = args.database_url
    # A customer account whose contact is the owner: the organization is
    # linked on her first sign-in, so customer data has something to show.
    customers = os.path.join(data_dir, "customers.json")
    with open(customers, "w") as f:
        json.dump({"customers": [{
            "external_id": "CONF-1", "name": "Conformance",
            "contacts": [{"email": "ada@example.com", "name": "Ada Admin", "portal_role": "Admin"}],
            "entitlements": [{"product": "MySQL Support", "support_level": "Premium", "start": "2026-01-01",
                              "end": "2030-12-31", "quantity": 3, "price": "100.00", "currency": "EUR"}],
            "tickets": [{"number": "CS1", "subject": "Lag", "status": "Open", "priority": "High",
                         "opened": "2026-11-01", "updated": "2026-11-02"}],
            "invoices": []}]}, f)
    subprocess.run([args.bin, "customers", "import", customers], env=env, check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(data_dir, "portal.log"), "w")
    child = subprocess.Popen([args.bin, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/readyz", timeout=1).ok:
                return child, base
        except requests.RequestException:
            pass
        if child.poll() is not None:
            raise SystemExit(open(log.name).read())
        time.sleep(0.1)
    raise SystemExit("the portal did not become ready")


def prepare(base):
    """An organization with members and an invitation, and a key holding every permission."""
    owner = Person(base)
    owner.sign_in("ada@example.com", "Ada Admin")
    if owner.get("/orgs/conformance").status_code != 200:
        res = owner.submit("/orgs/new", "/orgs", [("name", "Conformance"), ("slug", "conformance")])
        assert res.status_code == 303, res.text
    res = owner.submit("/orgs/conformance/api-keys", "/orgs/conformance/api-keys",
                       [("name", "Schemathesis"), ("expiry", "30")] + [("permission", p) for p in ALL])
    key = field(res.text.replace("readonly value=", 'name="key" value='), "key")
    assert key.startswith("opk_"), key
    auth = {"Authorization": f"Bearer {key}"}
    # Three people join through invitations sent with the key and accepted.
    for name in ("grace", "alan", "edsger"):
        body = {"invitations": [{"email": f"{name}@example.com", "role": "View-only"}]}
        res = requests.post(f"{base}/api/v1/orgs/conformance/invitations", json=body, headers=auth)
        assert res.status_code == 201, res.text
    for name in ("grace", "alan", "edsger"):
        link = None
        for _ in range(100):  # the mail worker writes the messages shortly after
            mailbox = owner.get("/dev/mailbox").text
            at = mailbox.find(f"{name}@example.com")
            link = re.search(r"(/invitations/[A-Za-z0-9_-]{43})", mailbox[at:]) if at >= 0 else None
            if link:
                break
            time.sleep(0.1)
        assert link, f"no invitation mail for {name}"
        person = Person(base)
        person.sign_in(f"{name}@example.com", name.title())
        res = person.submit(link.group(1), link.group(1) + "/accept", [])
        assert res.status_code == 303, res.text
    res = requests.post(f"{base}/api/v1/orgs/conformance/invitations", headers=auth,
                        json={"invitations": [{"email": "pending@example.com", "role": "Billing"}]})
    assert res.status_code == 201, res.text
    res = requests.post(f"{base}/api/v1/orgs/conformance/projects", headers=auth, json={"name": "Fleet"})
    assert res.status_code == 201, res.text
    res = requests.get(f"{base}/api/v1/orgs/conformance/entitlements", headers=auth)
    assert res.status_code == 200 and res.json()["items"], res.text
    # A webhook endpoint with one delivery (a ping to a closed port, retried),
    # so the webhook operations that take ids reach one.
    hooks = f"{base}/api/v1/orgs/conformance/webhooks"
    res = requests.post(hooks, headers=auth, json={"url": "http://127.0.0.1:9/hooks"})
    assert res.status_code == 201, res.text
    endpoint = res.json()["id"]
    res = requests.post(f"{hooks}/{endpoint}/ping", headers=auth)
    assert res.status_code == 202, res.text
    delivery = requests.get(f"{hooks}/{endpoint}/deliveries", headers=auth).json()["items"][0]["id"]
    # A claimed domain (its record is published nowhere: Verify answers 409).
    res = requests.post(f"{base}/api/v1/orgs/conformance/domains", headers=auth, json={"domain": "conformance.example"})
    assert res.status_code == 201, res.text
    return key, {"path.id": endpoint, "path.delivery": delivery, "path.domain": "conformance.example"}


def own_database(admin_url, prefix):
    """A new PostgreSQL database on the server of `admin_url`: its URL and the command that drops it."""
    name = prefix + secrets.token_hex(4)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    return re.sub(r"/[^/]*$", f"/{name}", admin_url), ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]


def statuses(report_dir):
    """How many answers of each status each operation gave: the run reached the organization."""
    import collections
    seen = collections.Counter()
    for name in os.listdir(report_dir):
        if not name.endswith(".ndjson"):
            continue
        for line in open(os.path.join(report_dir, name)):
            for m in re.finditer(r'"method": ?"([A-Z]+)", ?"uri": ?"[^"]*?(/api/v1/orgs/[^"?]*)[^"]*".{0,2000}?"status_code": ?(\d+)', line):
                path = re.sub(r"/orgs/[^/]+", "/orgs/{slug}", m.group(2))
                path = re.sub(r"/(members|invitations|webhooks)/[^/]+", r"/\1/{id}", path)
                path = re.sub(r"/domains/[^/]+", "/domains/{domain}", path)
                path = re.sub(r"/deliveries/[^/]+", "/deliveries/{delivery}", path)
                seen[(m.group(1), path, m.group(3))] += 1
    return "answers by operation and status:\n" + "\n".join(f"  {n:5} {k[0]} {k[1]} -> {k[2]}" for k, n in sorted(seen.items()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", help="admin URL of a PostgreSQL server: run on a new database there")
    p.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                                                 "debug", "orgportal"))
    p.add_argument("--max-examples", type=int, default=40)
    args = p.parse_args()
    args.database_url, drop = None, None
    if args.postgres:
        args.database_url, drop = own_database(args.postgres, "orgportal_conformance_")
    with tempfile.TemporaryDirectory() as data_dir:
        child, base = start(args, data_dir)
        try:
            doc = requests.get(base + "/api/v1/openapi.json").json()
            validate(doc)
            print(f"openapi-spec-validator: the document ({doc['openapi']}, {sum(len(v) for v in doc['paths'].values())} operations) is valid")
            key, ids = prepare(base)
            config = os.path.join(data_dir, "schemathesis.toml")
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")) as f:
                text = f.read()
            with open(config, "w") as f:
                f.write(text + "".join(f'"{k}" = "{v}"\n' for k, v in ids.items()))
            cmd = ["schemathesis", "--config-file", config, "run", base + "/api/v1/openapi.json", "--url", base,
                   "-H", f"Authorization: Bearer {key}", "--checks", CHECKS,
                   "--phases", "examples,coverage,fuzzing,stateful", "-n", str(args.max_examples),
                   "--workers", "1", "--seed", "29", "--no-color", "--generation-database", "none",
                   "--output-sanitize", "true", "--report", "ndjson", "--report-dir", data_dir]
            result = subprocess.run(cmd)
            print(statuses(data_dir))
            if result.returncode != 0:
                print(open(os.path.join(data_dir, "portal.log")).read()[-5000:])
            return result.returncode
        finally:
            child.terminate()
            child.wait(timeout=30)
            if drop:
                subprocess.run(drop, check=False)


if __name__ == "__main__":
    sys.exit(main())
