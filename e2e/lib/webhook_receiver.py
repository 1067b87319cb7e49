"""A webhook receiver built on the official `standardwebhooks` library (PyPI),
not on orgportal's code: each request is verified by `Webhook.verify` (the
signature over id.timestamp.body, and the timestamp within five minutes of
this machine's clock) and written as one JSON line to OUT, in the order the
requests arrived. A request that does not verify is answered 400.

    python3 webhook_receiver.py PORT SECRET OUT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

port, secret, out_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hook = Webhook(secret)
out = open(out_path, "a", encoding="utf-8")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        line = {"id": self.headers.get("webhook-id"), "signatures": self.headers.get("webhook-signature", "").count("v1,")}
        try:
            event = hook.verify(body, dict(self.headers.items()))
            line.update(verified=True, type=event["type"], data=event["data"])
            status = 204
        except WebhookVerificationError as e:
            line.update(verified=False, error=str(e))
            status = 400
        out.write(json.dumps(line) + "\n")
        out.flush()
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
