// Debian's nginx with the README's example (deploy/nginx/orgportal.conf),
// its ports replaced by the test's, in a prefix directory of its own.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./portal.mjs";

export async function startNginx({ port, upstreams }) {
  const prefix = mkdtempSync(join(tmpdir(), "orgportal-e2e-nginx-"));
  mkdirSync(join(prefix, "tmp"));
  let site = readFileSync(new URL("../../deploy/nginx/orgportal.conf", import.meta.url), "utf8");
  site = site.replace("server 127.0.0.1:8081", `server 127.0.0.1:${upstreams[0]}`)
    .replace("server 127.0.0.1:8082", `server 127.0.0.1:${upstreams[1]}`)
    .replace("listen 80;", `listen 127.0.0.1:${port};`);
  writeFileSync(join(prefix, "orgportal.conf"), site);
  const tmp = join(prefix, "tmp");
  writeFileSync(join(prefix, "nginx.conf"), `
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  include ${prefix}/orgportal.conf;
}
`);
  const child = spawn("nginx", ["-p", prefix, "-c", join(prefix, "nginx.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const exited = new Promise((r) => child.on("exit", r));
  const url = `http://127.0.0.1:${port}`;
  await waitFor("nginx", async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${log}`);
    try { return (await fetch(`${url}/healthz`)).ok; } catch { return false; }
  });
  return {
    url, prefix,
    accessLog: () => readFileSync(join(prefix, "access.log"), "utf8"),
    stop: async () => { child.kill("SIGQUIT"); await exited; },
  };
}
