#!/usr/bin/env python3
"""SCIM 2.0 against an independent checker (CI runs this on SQLite and on
PostgreSQL): scim2-tester (PyPI, Yaal Coop) reads the running binary's
ServiceProviderConfig, ResourceTypes and Schemas, then creates, reads,
lists with attributes, replaces, patches (add, replace and remove on every
attribute the schemas publish) and deletes Users and Groups through
/scim/v2/orgs/{slug}/ with a SCIM token made on the Provisioning page, as an
admin would. Every check must end in SUCCESS, COMPLIANT or ACCEPTABLE (or
SKIPPED, printed with the reason); an ERROR, CRITICAL or DEVIATION fails.

It reuses tools/api-conformance's way of starting the debug binary on a
database of its own and signing in through the development sign-in.

    python3 tools/scim-conformance/run.py [--postgres URL]
"""

import argparse
import collections
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("api_conformance", os.path.join(ROOT, "tools", "api-conformance", "run.py"))
portal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(portal)

from httpx2 import Client  # noqa: E402
from scim2_client.engines.httpx2 import SyncSCIMClient  # noqa: E402
from scim2_tester import Status, check_server  # noqa: E402

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


def token_for(base):
    owner = portal.Person(base)
    owner.sign_in("ada@example.com", "Ada Admin")
    res = owner.submit("/orgs/new", "/orgs", [("name", "Directory"), ("slug", "directory")])
    assert res.status_code == 303, res.text
    page = "/orgs/directory/sso/provisioning"
    res = owner.submit(page, page + "/tokens", [("name", "scim2-tester")])
    m = re.search(r'value="(opscim_[^"]+)"', res.text)
    assert m, res.text[:2000]
    return m.group(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--postgres", help="admin URL of a PostgreSQL server: run on a new database there")
    p.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                                                 "debug", "orgportal"))
    args = p.parse_args()
    args.database_url, drop = None, None
    if args.postgres:
        args.database_url, drop = portal.own_database(args.postgres, "orgportal_scim_")
    with tempfile.TemporaryDirectory() as data_dir:
        child, base = portal.start(args, data_dir)
        try:
            token = token_for(base)
            http = Client(base_url=f"{base}/scim/v2/orgs/directory", headers={"Authorization": f"Bearer {token}"})
            results = check_server(SyncSCIMClient(http))
            counts = collections.Counter(r.status.name for r in results)
            failed = [r for r in results if r.status not in PASSING]
            for r in results:
                where = f"[{r.resource_type}] " if r.resource_type else ""
                reason = f": {r.reason}" if r.reason and r.status != Status.SUCCESS else ""
                print(f"{r.status.name:10} {where}{r.title}{reason}")
            print("scim2-tester summary: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + f" ({len(results)} checks)")
            if failed:
                for r in failed:
                    print(f"\nFAILED {r.status.name} {r.title}: {r.reason}\n{r.data!r}"[:3000])
                print(open(os.path.join(data_dir, "portal.log")).read()[-3000:])
                return 1
            return 0
        finally:
            child.terminate()
            child.wait(timeout=30)
            if drop:
                subprocess.run(drop, check=False)


if __name__ == "__main__":
    sys.exit(main())
