// What an operator does to a running portal: SIGTERM lets a request in
// flight finish and refuses new connections, then the process exits 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startStack } from "./lib/stack.mjs";
import { launch, person, signIn } from "./lib/browser.mjs";

test("SIGTERM: the request in flight finishes, new connections are refused, exit 0", async () => {
  const { portal, db, done } = await startStack("graceful");
  const browser = await launch();
  try {
    const admin = await person(browser, portal.url);
    await signIn(admin.page, portal.url, "admin@corp.example");
    const cookie = (await admin.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    await admin.page.goto(`${portal.url}/orgs/new`);
    const csrf = await admin.page.inputValue("input[name=csrf_token]");
    const body = Buffer.from(new URLSearchParams({ name: "Graceful", csrf_token: csrf }).toString());

    // Half the form is sent, then the signal, then the rest.
    const answer = new Promise((resolve, reject) => {
      const req = request(`${portal.url}/orgs`, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
      }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); });
      req.on("error", reject);
      req.write(body.subarray(0, 10));
      setTimeout(async () => {
        portal.child.kill("SIGTERM");
        await new Promise((r) => setTimeout(r, 500));
        const refused = await fetch(`${portal.url}/healthz`).then(() => false, () => true);
        req.end(body.subarray(10));
        if (!refused) reject(new Error("a new connection was accepted after SIGTERM"));
      }, 300);
    });
    assert.equal(await answer, 303, "the request in flight was answered");
    const { code } = await portal.exited;
    assert.equal(code, 0);
    assert.equal(db.query("SELECT count(*) FROM organizations WHERE name = 'Graceful'"), "1");
    assert.match(portal.log(), /mail worker stopped/);
    await admin.context.close();
  } finally { await browser.close(); await done(); }
});
