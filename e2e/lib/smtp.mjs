// The aiosmtpd server (smtp_server.py) in a child process, a certificate
// authority and a server certificate made with openssl for it, and the
// messages it received.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/// A CA and a certificate for 127.0.0.1 / localhost signed by it.
export function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), "orgportal-e2e-tls-"));
  const ssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=orgportal e2e CA",
      "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
      "-extfile", "ext.cnf", "-out", "server.pem");
  return { dir, ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

export async function startSmtp({ port, certs, user = "portal", password = "mail-pa55", outdir, implicit = false }) {
  outdir ??= mkdtempSync(join(tmpdir(), "orgportal-e2e-mail-"));
  const script = new URL("./smtp_server.py", import.meta.url).pathname;
  const child = spawn(process.env.PYTHON ?? "python3", [script, String(port), certs.cert, certs.key, user, password, outdir, implicit ? "implicit" : "starttls"],
    { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => { if (String(d).includes("listening")) resolve(); });
    child.on("exit", (code) => reject(new Error(`smtp_server.py exited ${code}: ${log}`)));
  });
  const exited = new Promise((r) => child.on("exit", r));
  return {
    port, user, password, outdir,
    url: implicit ? `smtps://${user}:${password}@127.0.0.1:${port}` : `smtp://${user}:${password}@127.0.0.1:${port}?tls=required`,
    messages: () => readdirSync(outdir).filter((f) => f.endsWith(".json")).sort()
      .map((f) => JSON.parse(readFileSync(join(outdir, f), "utf8"))),
    log: () => log,
    stop: async () => { child.kill("SIGTERM"); await exited; },
  };
}
