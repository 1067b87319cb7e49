#!/usr/bin/env python3
"""Writes a customers file for `orgportal customers import` of the size issue 11
measures: 10,000 customers, 50,000 contacts, 100,000 tickets (and two
entitlements each). Usage: make.py OUT.json [CUSTOMERS]"""
import json
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
customers = []
for c in range(n):
    customers.append({
        "external_id": f"CUST-{c:06d}",
        "name": f"Customer {c:06d}",
        "contacts": [
            {"email": f"contact{k}.{c:06d}@customer{c:06d}.example", "name": f"Contact {k} of {c:06d}",
             "portal_role": "Admin" if k == 0 else "Technical user"}
            for k in range(5)
        ],
        "entitlements": [
            {"product": "MySQL Support", "support_level": "Premium", "start": "2026-01-01", "end": "2026-12-31",
             "quantity": 10},
            {"product": "PostgreSQL Support", "support_level": "Advanced", "start": "2025-01-01",
             "end": "2025-12-31", "quantity": 2},
        ],
        "tickets": [
            {"number": f"CS{c:06d}{t:02d}", "subject": f"Question {t} of customer {c:06d}",
             "status": "Open" if t % 3 else "Closed", "priority": "Low", "opened": "2026-06-11",
             "updated": "2026-06-12"}
            for t in range(10)
        ],
    })
with open(out, "w") as f:
    json.dump({"customers": customers}, f)
