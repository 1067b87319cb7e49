"""A real SMTP server for the end-to-end tests: aiosmtpd with STARTTLS
required before AUTH (PLAIN/LOGIN, one user), or with MODE "implicit" TLS
from the first byte (smtps), writing each message it accepts to OUTDIR as
NNNN.eml plus NNNN.json (headers, part types, text).

usage: smtp_server.py PORT CERT KEY USER PASSWORD OUTDIR [MODE]
"""
import asyncio
import email
import email.policy
import json
import signal
import ssl
import sys
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, password, outdir = sys.argv[1:7]
implicit = sys.argv[7:8] == ["implicit"]
out = Path(outdir)
out.mkdir(parents=True, exist_ok=True)


class Keep:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Keep.count += 1
        stem = out / f"{Keep.count:04d}"
        stem.with_suffix(".eml").write_bytes(envelope.content)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        summary = {
            "rcpt": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.authenticated,
            "peer": list(session.peer),
            "headers": {k: str(v) for k, v in msg.items()},
            "parts": [p.get_content_type() for p in msg.walk()],
            "text": text.get_content() if text else "",
        }
        stem.with_suffix(".json").write_text(json.dumps(summary))
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
# With TLS from the start aiosmtpd sees no STARTTLS, so it is told not to
# ask for one before AUTH; the connection is encrypted all the same.
encryption = dict(ssl_context=context, auth_require_tls=False) if implicit else dict(
    tls_context=context, require_starttls=True, auth_require_tls=True)
controller = Controller(
    Keep(),
    hostname="127.0.0.1",
    port=int(port),
    auth_required=True,
    authenticator=authenticate,
    **encryption,
)
controller.start()
print(f"listening on {port}", flush=True)
loop = asyncio.new_event_loop()
stop = asyncio.Event()
for sig in (signal.SIGTERM, signal.SIGINT):
    loop.add_signal_handler(sig, stop.set)
loop.run_until_complete(stop.wait())
controller.stop()
