"""A DNS server for e2e/, built on dnslib (PyPI): answers TXT questions from
a JSON file ({"name": ["value", ...]}) read at every question, so a test
publishes or takes down a record by rewriting the file; NXDOMAIN for any
other name. UDP and TCP on 127.0.0.1:PORT.

Usage: python3 dns_server.py PORT RECORDS_JSON
"""
import json
import os
import sys
import time

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class FileResolver(BaseResolver):
    def __init__(self, path):
        self.path = path

    def records(self):
        if not os.path.exists(self.path):
            return {}
        with open(self.path, encoding="utf-8") as f:
            return {k.rstrip(".").lower(): v for k, v in json.load(f).items()}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        values = self.records().get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=0))
        return reply


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    resolver = FileResolver(path)
    quiet = DNSLogger(log="-request,-reply,-truncated,-data", prefix=False)
    for tcp in (False, True):
        DNSServer(resolver, port=port, address="127.0.0.1", tcp=tcp, logger=quiet).start_thread()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
