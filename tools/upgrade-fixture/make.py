#!/usr/bin/env python3
"""Makes the database fixtures of tests/api/upgrade.rs with a previous release.

Usage: python3 tools/upgrade-fixture/make.py OLD_BINARY OUT_DIR [POSTGRES_ADMIN_URL]

OLD_BINARY is orgportal built from the release being upgraded from (for example
`git worktree add /tmp/prev <commit> && cargo build` there). For SQLite and for
PostgreSQL it imports examples/customers.json, adds a staff member, starts the
old portal and drives it like a browser (sign-ins, an organization, invitations
sent and accepted, a connection token, a ticket, a staff view, an organization's
and a personal project with usage reported through the API, an API key that
invites through the management API, a webhook endpoint whose deliveries wait
for a receiver that is not there, a domain claimed on the Domains page), stops
it, and dumps the database as SQL: OUT_DIR/sqlite.sql and OUT_DIR/postgres.sql.
Secrets are sealed under FIXTURE_SECRETS_KEY, a key for tests only, which
tests/api/upgrade.rs gives the new release as ORGPORTAL_SECRETS_KEY.
Needs the sqlite3 and pg_dump command-line tools. Standard library only.
"""
import datetime
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

# 32 bytes of 0x5a, base64: published here, so never a real deployment's key.
FIXTURE_SECRETS_KEY = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, path, data=None):
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            res = self.opener.open(urllib.request.Request(url, data=body), timeout=20)
        except urllib.error.HTTPError as e:
            res = e
        return res.status, res.headers.get("Location"), res.read().decode()

    def csrf(self, page):
        _, _, html = self.request(page)
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def submit(self, page, action, fields):
        status, location, _ = self.request(action, [("csrf_token", self.csrf(page))] + fields)
        assert status in (200, 303), (action, status)
        return location

    def sign_in(self, email, name):
        _, authorize, _ = self.request("/auth/dev/start")
        _, _, form = self.request(authorize)
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
        fields = [(k, v.replace("&#x2f;", "/").replace("&#47;", "/").replace("&amp;", "&")) for k, v in hidden]
        status, callback, _ = self.request("/dev-oauth/authorize", fields + [("email", email), ("name", name)])
        assert status == 303, status
        status, _, _ = self.request(callback)
        assert status == 303, status


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invitation_links(mail_dir, count):
    for _ in range(100):
        links = []
        for name in sorted(os.listdir(mail_dir)) if os.path.isdir(mail_dir) else []:
            text = open(os.path.join(mail_dir, name), encoding="utf-8", errors="replace").read()
            text = re.sub(r"=\r?\n", "", text)
            links += re.findall(r"/invitations/([A-Za-z0-9_-]{40,})", text)
        links = list(dict.fromkeys(links))
        if len(links) >= count:
            return links
        time.sleep(0.1)
    raise SystemExit("the old portal wrote no invitation mail")


def report_usage(browser, base, projects, name, prefix):
    """Creates a project, a connection token of it, and reports usage with it."""
    browser.submit(f"{projects}/new", projects, [("name", name), ("slug", ""), ("description", "")])
    page = f"{projects}/{name.lower()}/tokens"
    _, _, html = browser.request(page, [("csrf_token", browser.csrf(page)), ("name", "Platform")])
    token = re.search(r'readonly value="([^"]+)"', html).group(1)
    # A project takes usage from the day before it was made to today (UTC).
    today = datetime.datetime.now(datetime.timezone.utc).date()
    yesterday = today - datetime.timedelta(days=1)
    records = [{"id": f"{prefix}-{i}", "metric": metric, "quantity": 10 + i, "day": day.isoformat()}
               for i, (metric, day) in enumerate([("device.hours", yesterday), ("device.hours", today),
                                                  ("sim.data_mb", today)])]
    request = urllib.request.Request(base + "/api/v1/usage", data=json.dumps(records).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=20).status == 200


def automate(owner, base):
    """A webhook endpoint (nothing listens there: its deliveries wait to be
    retried), then an API key that invites someone through the API."""
    owner.submit("/orgs/acme/webhooks", "/orgs/acme/webhooks",
                 [("url", "http://127.0.0.1:9/hooks"), ("description", "Back office"), ("events", "all")])
    page = "/orgs/acme/api-keys"
    fields = [("csrf_token", owner.csrf(page)), ("name", "Provisioning"), ("expiry", "365"),
              ("permission", "org.view"), ("permission", "members.invite")]
    _, _, html = owner.request(page, fields)
    key = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', html).group(1)
    body = json.dumps({"invitations": [{"email": "dave@acme.example", "role": "Technical user"}]}).encode()
    request = urllib.request.Request(base + "/api/v1/orgs/acme/invitations", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        assert urllib.request.urlopen(request, timeout=20).status in (200, 201)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the old portal refused the API call: {e.code} {e.read().decode()}")


def populate(binary, env, data_dir):
    run = lambda *args: subprocess.run([binary, *args], env=env, cwd=data_dir, check=True, capture_output=True)
    run("customers", "import", os.path.join(REPO, "examples", "customers.json"))
    run("staff", "add", "sam@support.example")
    port = free_port()
    server_env = {**env, "ORGPORTAL_BIND": f"127.0.0.1:{port}", "ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE": "true"}
    server = subprocess.Popen([binary, "serve"], env=server_env, cwd=data_dir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        owner = Browser(base)
        owner.sign_in("owner@acme.example", "Olivia Owner")
        owner.submit("/orgs/new", "/orgs", [("name", "Acme"), ("slug", "")])
        owner.submit("/orgs/acme/members/invite", "/orgs/acme/invitations",
                     [("email", "bob@acme.example"), ("role", "Billing"),
                      ("email", "carol@acme.example"), ("role", "Technical user")])
        links = invitation_links(os.path.join(data_dir, "data", "mail"), 2)
        bob = Browser(base)
        bob.sign_in("bob@acme.example", "Bob Billing")
        for token in links:
            status, _, _ = bob.request(f"/invitations/{token}/accept", [("csrf_token", bob.csrf(f"/invitations/{token}"))])
        owner.submit("/orgs/acme/services", "/orgs/acme/services", [("name", "PMM production")])
        report_usage(owner, base, "/orgs/acme/projects", "Fleet", "acme-fleet")
        automate(owner, base)
        owner.submit("/orgs/acme/domains", "/orgs/acme/domains", [("domain", "acme.example")])
        report_usage(owner, base, "/personal/projects", "Notes", "notes")
        ada = Browser(base)
        ada.sign_in("ada@northwind.example", "Ada Admin")
        ada.submit("/orgs/northwind-databases/tickets/new", "/orgs/northwind-databases/tickets",
                   [("subject", "Replica lag"), ("priority", "High"), ("description", "Since Tuesday.")])
        sam = Browser(base)
        sam.sign_in("sam@support.example", "Sam Support")
        sam.request("/staff/orgs/northwind-databases/entitlements")
        time.sleep(1)  # the mail worker marks the invitations sent
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)


def main():
    binary, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    admin = sys.argv[3] if len(sys.argv) > 3 else "postgres://postgres@127.0.0.1:5432/postgres"
    os.makedirs(out, exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ORGPORTAL_")}
    base_env["ORGPORTAL_SECRETS_KEY"] = FIXTURE_SECRETS_KEY

    with tempfile.TemporaryDirectory() as tmp:
        populate(binary, base_env, tmp)
        dump = subprocess.run(["sqlite3", os.path.join(tmp, "data", "orgportal.db"), ".dump"],
                              check=True, capture_output=True, text=True).stdout
        open(os.path.join(out, "sqlite.sql"), "w").write(dump)

    name = "orgportal_upgrade_fixture"
    db_url = admin.rsplit("/", 1)[0] + "/" + name
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            populate(binary, {**base_env, "ORGPORTAL_DATABASE_URL": db_url}, tmp)
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--inserts", db_url],
                              check=True, capture_output=True, text=True).stdout
        # psql meta-commands (\restrict) are not SQL: the test runs the file through the driver.
        dump = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
        open(os.path.join(out, "postgres.sql"), "w").write(dump + "\n")
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
    print(f"wrote {out}/sqlite.sql and {out}/postgres.sql")


if __name__ == "__main__":
    main()
