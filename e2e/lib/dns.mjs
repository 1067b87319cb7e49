// The DNS server of the e2e tests (lib/dns_server.py, on PyPI's dnslib):
// started on a port, answering TXT records from a file that `publish`
// rewrites (read at every question).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./portal.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export async function startDns(port) {
  const file = join(mkdtempSync(join(tmpdir(), "dns-")), "records.json");
  writeFileSync(file, "{}");
  const child = spawn("python3", [join(here, "dns_server.py"), String(port), file], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  await waitFor("the DNS server", () => out.includes("ready") || null, 20);
  return { publish: (records) => writeFileSync(file, JSON.stringify(records)), stop: () => child.kill("SIGTERM") };
}
