// Sign-in through a real OpenID Connect provider (oidc-provider) in a real
// browser: its login and consent pages, an unverified address, a wrong
// client secret, a provider that is down, and ID tokens that fail a check.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startProvider } from "./lib/provider.mjs";
import { startPortal, database, freePort, bin } from "./lib/portal.mjs";
import { startStack } from "./lib/stack.mjs";
import { launch, person, signIn, createOrg, invite } from "./lib/browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ACCOUNTS = {
  "ada@northwind.example": { email: "ada@northwind.example", email_verified: false, name: "Not Ada" },
  "una@corp.example": { email: "una@corp.example", email_verified: false, name: "Una" },
};

const setUp = (tag, { secret } = {}) => startStack(tag, { accounts: ACCOUNTS, secret });

test("a person signs in through the provider's own login and consent pages", async () => {
  const { portal, db, done } = await setUp("signin");
  try {
    const { page, problems, context } = await person(browser, portal.url);
    await signIn(page, portal.url, "nia@corp.example");
    assert.equal(new URL(page.url()).pathname, "/getting-started");
    assert.match(await page.textContent("body"), /nia@corp\.example/);
    assert.equal(db.query("SELECT email || ' ' || email_verified FROM users"), "nia@corp.example true");
    assert.equal(db.query("SELECT provider || ' ' || subject FROM identities"), "oidc nia@corp.example");
    assert.deepEqual(problems, []);
    await context.close();
  } finally { await done(); }
});

test("email_verified false: signed in, but no invitation or customer contact is matched", async () => {
  const { portal, db, done } = await setUp("unverified");
  try {
    const customers = new URL("../examples/customers.json", import.meta.url).pathname;
    execFileSync(bin, ["customers", "import", customers], { env: { ...portal.env }, stdio: "pipe" });

    const admin = await person(browser, portal.url);
    await signIn(admin.page, portal.url, "admin@corp.example");
    const slug = await createOrg(admin.page, portal.url, "Corp");
    await invite(admin.page, portal.url, slug, "una@corp.example");

    // The invitation's link, made anew by the admin (mail goes to disk here).
    const id = db.query("SELECT id FROM invitations");
    await admin.page.goto(`${portal.url}/orgs/${slug}/members`);
    await admin.page.click(`form[action='/orgs/${slug}/invitations/${id}/link'] button`);
    const link = await admin.page.inputValue("#invitation-link");

    const una = await person(browser, portal.url);
    await signIn(una.page, portal.url, "una@corp.example");
    await una.page.goto(link);
    assert.match(await una.page.textContent("main"), /signed in as una@corp\.example \(not verified\)/);
    assert.equal(await una.page.locator("button:has-text('Accept')").count(), 0);

    const ada = await person(browser, portal.url);
    await signIn(ada.page, portal.url, "ada@northwind.example");
    assert.equal(db.query("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email_verified = false"), "0");
    assert.equal(db.query("SELECT count(*) FROM organizations"), "1", "only Corp: Northwind was not created for an unverified contact");
    for (const p of [admin, una, ada]) { assert.deepEqual(p.problems, []); await p.context.close(); }
  } finally { await done(); }
});

test("a wrong client secret: a clear page and a log line, no 500", async () => {
  const { portal, db, done } = await setUp("secret", { secret: "not-the-secret" });
  try {
    const { page, context } = await person(browser, portal.url);
    const answer = page.waitForResponse((r) => r.url().includes("/auth/oidc/callback"));
    await signIn(page, portal.url, "nia@corp.example");
    assert.equal((await answer).status(), 502);
    assert.match(await page.textContent("[role=alert]"), /did not accept this portal's client credentials/);
    assert.match(portal.log(), /sign-in failed.*provider refused the client credentials/);
    assert.equal(db.query("SELECT count(*) FROM users"), "0");
    await context.close();
  } finally { await done(); }
});

test("a provider that is down at start-up and at sign-in: a clear page, then sign-in works when it is back", async () => {
  const [portalPort, providerPort] = [await freePort(), await freePort()];
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const db = database("down");
  const portal = await startPortal({
    port: portalPort, db,
    env: {
      ORGPORTAL_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
      ORGPORTAL_OIDC_CLIENT_ID: "orgportal",
      ORGPORTAL_OIDC_CLIENT_SECRET: "e2e-secret",
    },
  });
  let provider;
  try {
    const { page, context } = await person(browser, portal.url);
    const res = await page.goto(`${portal.url}/auth/oidc/start`);
    assert.equal(res.status(), 503);
    assert.match(await page.textContent("[role=alert]"), /cannot be reached at the moment/);
    assert.match(portal.log(), /sign-in failed.*provider unreachable/);

    provider = await startProvider({ port: providerPort, redirectUri: `${portalUrl}/auth/oidc/callback`, accounts: ACCOUNTS });
    // Gone again when the portal asks for the tokens (the connection drops).
    provider.setFault("down");
    const answer = page.waitForResponse((r) => r.url().includes("/auth/oidc/callback"));
    await signIn(page, portal.url, "nia@corp.example");
    assert.equal((await answer).status(), 503);
    assert.match(await page.textContent("[role=alert]"), /cannot be reached at the moment/);
    provider.setFault(null);
    await context.close();
    const again = await person(browser, portal.url);
    await signIn(again.page, portal.url, "nia@corp.example");
    assert.equal(new URL(again.page.url()).pathname, "/getting-started");
    assert.doesNotMatch(portal.log(), /panicked/);
    await again.context.close();
  } finally { await portal.stop(); await provider?.close(); db.drop(); }
});

test("ID tokens with a wrong issuer, audience, nonce, signature or expiry sign nobody in", async () => {
  const { provider, portal, db, done } = await setUp("idtoken");
  try {
    const expected = {
      issuer: "the ID token was issued by another issuer",
      audience: "the ID token was issued for another client",
      nonce: "the ID token's nonce is not this sign-in's",
      signature: "the ID token's signature does not verify",
      expired: "the ID token has expired",
    };
    for (const [fault, logged] of Object.entries(expected)) {
      provider.setFault(fault);
      const { page, context } = await person(browser, portal.url);
      const answer = page.waitForResponse((r) => r.url().includes("/auth/oidc/callback"));
      await signIn(page, portal.url, "nia@corp.example");
      assert.equal((await answer).status(), 502, fault);
      assert.match(await page.textContent("[role=alert]"), /could not be verified, so you were not signed in/, fault);
      assert.ok(portal.log().includes(logged), `${fault}: the log names it`);
      await context.close();
    }
    assert.equal(db.query("SELECT count(*) FROM users"), "0");
    provider.setFault(null);
    const { page, context } = await person(browser, portal.url);
    await signIn(page, portal.url, "nia@corp.example");
    assert.equal(new URL(page.url()).pathname, "/getting-started");
    await context.close();
  } finally { await done(); }
});
