// Webhooks against a receiver on the official `standardwebhooks` library
// (PyPI, lib/webhook_receiver.py). Two hundred changes are made through the
// management API while the receiver is down; once it is up, every event
// arrives once, in the order of the changes, and verifies. The Webhooks
// pages are checked with axe at desktop and phone width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "./lib/stack.mjs";
import { freePort, waitFor } from "./lib/portal.mjs";
import { launch, person, signIn, createOrg, audit, PHONE } from "./lib/browser.mjs";

const here = dirname(fileURLToPath(import.meta.url));
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function startReceiver(port, secret) {
  const out = join(mkdtempSync(join(tmpdir(), "webhooks-")), "received.jsonl");
  const child = spawn("python3", [join(here, "lib", "webhook_receiver.py"), String(port), secret, out], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const received = () => existsSync(out)
    ? readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
  return { received, log: () => log, stop: () => child.kill("SIGTERM") };
}

test("changes made while the receiver is down arrive once, in order, verified by standardwebhooks", async () => {
  const { portal, done } = await startStack("webhooks", { env: { ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE: "true" } });
  const receiverPort = await freePort();
  let receiver;
  try {
    const { page, problems } = await person(browser, portal.url);
    await signIn(page, portal.url, "ada@corp.example");
    const slug = await createOrg(page, portal.url, "Hooked");

    await page.goto(`${portal.url}/orgs/${slug}/api-keys`);
    await page.fill("#name", "Automation");
    for (const box of await page.$$("input[name=permission]")) await box.check();
    await page.click("main button:has-text('Create API key')");
    const key = await page.inputValue("#new-token");

    await page.goto(`${portal.url}/orgs/${slug}/webhooks`);
    await page.fill("#url", `http://127.0.0.1:${receiverPort}/hooks`);
    await page.fill("#description", "Access sync");
    await page.check("input[name=events][value=chosen]");
    await page.check("input[name=event][value='project.created']");
    await page.check("input[name=event][value='project.updated']");
    await page.click("main button:has-text('Add endpoint')");
    const secret = await page.inputValue("#new-token");
    assert.match(secret, /^whsec_/);
    assert.deepEqual(await audit(page), []);

    const api = async (method, path, body) => {
      const res = await fetch(`${portal.url}/api/v1/orgs/${slug}${path}`, {
        method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    const names = Array.from({ length: 100 }, (_, i) => `Project ${String(i).padStart(3, "0")}`);
    const created = [];
    for (const name of names) created.push(await api("POST", "/projects", { name }));
    for (const p of created) await api("PATCH", `/projects/${p.slug}`, { description: `about ${p.name}` });

    // The receiver comes up; the first event's retry (within 30 s) starts the queue.
    receiver = startReceiver(receiverPort, secret);
    const got = await waitFor("200 webhook events", () => {
      const r = receiver.received();
      return r.length >= 200 ? r : null;
    }, 120);
    assert.deepEqual(got.filter((r) => !r.verified), [], "every request verifies");
    assert.equal(new Set(got.map((r) => r.id)).size, got.length, "each event once");
    assert.deepEqual(got.map((r) => r.type), [...names.map(() => "project.created"), ...names.map(() => "project.updated")]);
    assert.deepEqual(got.slice(0, 100).map((r) => r.data.project.name), names, "in the order of the changes");
    assert.deepEqual(got.slice(100).map((r) => r.data.project.description), names.map((n) => `about ${n}`));
    assert.deepEqual(got.slice(0, 100).map((r) => r.data.project), created, "the API's shape");
    assert.ok(got.every((r) => r.data.organization.slug === slug));

    // Rotation: both secrets sign for a day; the library takes the new one.
    await page.click("main a:has-text('127.0.0.1')");
    await page.click("main button:has-text('Rotate secret')");
    const rotated = await page.inputValue("#new-token");
    assert.notEqual(rotated, secret);
    receiver.stop();
    receiver = startReceiver(receiverPort, rotated);
    await page.click("main button:has-text('Send test ping')");
    const ping = await waitFor("the ping", () => receiver.received().find((r) => r.type === "ping"), 30);
    assert.equal(ping.verified, true);
    assert.equal(ping.signatures, 2, "signed by the new secret and the old one");

    // The endpoint's page, with its deliveries, at desktop and phone width.
    await page.reload();
    assert.ok((await page.textContent("main")).includes("Delivered"));
    assert.deepEqual(await audit(page), []);
    const phone = await person(browser, portal.url, PHONE);
    await signIn(phone.page, portal.url, "ada@corp.example");
    await phone.page.goto(page.url());
    assert.deepEqual(await audit(phone.page), []);
    await phone.page.goto(`${portal.url}/orgs/${slug}/webhooks`);
    assert.deepEqual(await audit(phone.page), []);
    assert.deepEqual([...problems, ...phone.problems], []);
  } finally {
    receiver?.stop();
    await done();
  }
});
