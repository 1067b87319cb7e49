// Starts the orgportal binary the way an operator does (environment
// variables only) on a PostgreSQL database of its own, and stops it with
// SIGTERM or kills it with SIGKILL.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

const targetDir = process.env.CARGO_TARGET_DIR ?? new URL("../../target", import.meta.url).pathname;
export const bin = resolve(process.env.ORGPORTAL_BIN ?? join(targetDir, "debug", "orgportal"));
const adminUrl = process.env.E2E_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function freePort(host = "127.0.0.1") {
  const server = createServer();
  await new Promise((r) => server.listen(0, host, r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

export const psql = (url, sql) => execFileSync("psql", [url, "-tAc", sql], { encoding: "utf8" }).trim();

/// A fresh PostgreSQL database; `drop()` removes it.
export function database(tag) {
  const name = `orgportal_e2e_${tag}_${randomBytes(4).toString("hex")}`;
  psql(adminUrl, `CREATE DATABASE ${name}`);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    query: (sql) => psql(url, sql),
    drop: () => psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export const sessionKey = () => randomBytes(64).toString("base64");

/// One orgportal process. `env` adds to (or overrides) the settings given.
export async function startPortal({ port, db, baseUrl, env = {}, dataDir }) {
  port ??= await freePort();
  dataDir ??= mkdtempSync(join(tmpdir(), "orgportal-e2e-"));
  const url = `http://127.0.0.1:${port}`;
  const fullEnv = {
    PATH: process.env.PATH,
    RUST_LOG: "info",
    ORGPORTAL_BIND: `127.0.0.1:${port}`,
    ORGPORTAL_BASE_URL: baseUrl ?? url,
    ORGPORTAL_DATA_DIR: dataDir,
    ORGPORTAL_DATABASE_URL: db.url,
    ...env,
  };
  const child = spawn(bin, ["serve"], { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  child.stderr.on("data", (d) => { log += d; });
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const portal = {
    url, port, dataDir, env: fullEnv, child, exited,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      return exited;
    },
  };
  await waitReady(url, () => log, child);
  return portal;
}

async function waitReady(url, log, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`orgportal exited: ${log()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`orgportal did not become ready: ${log()}`);
}

export async function waitFor(what, check, seconds = 20) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
