// Enterprise sign-in, the whole journey in Chromium: Acme's own OpenID
// provider (a second oidc-provider, at "localhost") next to the site's, and
// a DNS server on dnslib (PyPI) for Acme's domain. The admin verifies
// acme.example, sets up single sign-on, passes Test sign-in, turns it on
// and requires it; a new employee signs in with SSO and lands in Acme as a
// member; the admin's session from the site's provider is refused until
// she signs in through Acme's. Pages are checked with axe at both widths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startStack } from "./lib/stack.mjs";
import { startDns } from "./lib/dns.mjs";
import { startProvider } from "./lib/provider.mjs";
import { freePort } from "./lib/portal.mjs";
import { launch, person, signIn, createOrg, audit, PHONE } from "./lib/browser.mjs";

const shots = process.env.E2E_SHOTS;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Through Acme's provider's own login and consent pages.
async function acmeLogin(page, login) {
  await page.waitForSelector("input[name=login]");
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", "any-password");
  await page.click("button[type=submit]");
  await page.click("button:has-text('Continue')");
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test("a company verifies its domain, brings its own provider, requires it, and a new employee signs in through it", async () => {
  const dnsPort = await freePort();
  const dns = await startDns(dnsPort);
  const { portal, done } = await startStack("sso", {
    env: { ORGPORTAL_DNS_RESOLVER: `127.0.0.1:${dnsPort}`, ORGPORTAL_SSO_ALLOW_PRIVATE: "true" },
  });
  const acmePort = await freePort();
  const acme = await startProvider({
    port: acmePort, host: "localhost", redirectUri: `${portal.url}/login/sso/callback`,
    clientId: "acme-portal", clientSecret: "acme-secret", accounts: {},
  });
  try {
    const { page, problems } = await person(browser, portal.url);
    await signIn(page, portal.url, "ada@acme.example");
    const slug = await createOrg(page, portal.url, "Acme");

    // The domain, proved at dnslib.
    await page.goto(`${portal.url}/orgs/${slug}/domains`);
    await page.fill("#domain", "acme.example");
    await page.click("main button:has-text('Add domain')");
    const [, name, value] = await page.$$eval("main dl.details code", (els) => els.map((e) => e.textContent.trim()));
    dns.publish({ [name]: [value] });
    await page.click("main button:has-text('Verify')");
    assert.ok((await page.textContent("body")).includes("acme.example is verified."));

    // Acme's provider.
    const sso = `${portal.url}/orgs/${slug}/sso`;
    await page.goto(sso);
    assert.equal(await page.textContent("main dl.details code"), `${portal.url}/login/sso/callback`);
    await page.fill("#issuer", acme.issuer);
    await page.fill("#client_id", "acme-portal");
    await page.fill("#client_secret", "acme-secret");
    await page.click("main button:has-text('Save')");
    await page.waitForURL(sso);
    assert.ok((await page.textContent("body")).includes("The single sign-on settings were saved."));
    assert.deepEqual(await audit(page), []);
    await page.click("main button:has-text('Test sign-in')");
    await acmeLogin(page, "ada@acme.example");
    await page.waitForURL(sso);
    const flashed = await page.$$eval(".alert", (els) => els.map((e) => e.textContent.trim()).join(" | "));
    assert.ok(flashed.includes("Test sign-in succeeded: the provider identified you as ada@acme.example."), flashed);
    await page.click("main button:has-text('Turn on')");
    await page.waitForURL(sso);
    // Required: her own session, from the site's provider, is at once asked
    // to sign in through Acme's (her test linked her account to it).
    await page.click("main button:has-text('Require single sign-on')");
    await page.waitForURL(sso);
    assert.ok((await page.textContent("main")).includes("Acme requires sign-in through its identity provider."));
    assert.equal(await page.getAttribute("main a.button", "href"), `/login/sso?email=ada%40acme.example&next=%2Forgs%2F${slug}%2Fsso`);
    await shot(page, "sso-required");
    const refused = await page.goto(`${portal.url}/orgs/${slug}/members`);
    assert.equal(refused.status(), 403);
    assert.ok((await page.textContent("main")).includes("Acme requires sign-in through its identity provider."));
    assert.deepEqual(await audit(page), []);

    // A new employee: Sign in with SSO, Acme's provider, a member of Acme.
    const ben = await person(browser, portal.url);
    await ben.page.goto(`${portal.url}/login`);
    await ben.page.click("main a:has-text('Sign in with SSO')");
    assert.deepEqual(await audit(ben.page), []);
    await ben.page.fill("#email", "ben@acme.example");
    await ben.page.click("main button:has-text('Continue')");
    await acmeLogin(ben.page, "ben@acme.example");
    await ben.page.waitForURL(`${portal.url}/orgs/${slug}`);
    assert.ok((await ben.page.textContent("body")).includes("Welcome to Acme: you joined it through its identity provider."));
    await ben.page.goto(`${portal.url}/orgs/${slug}/members`);
    assert.ok((await ben.page.textContent("main")).includes("ben@acme.example"));
    await shot(ben.page, "sso-new-employee");

    // Ada through Acme's provider: her account was linked by her test.
    const again = await person(browser, portal.url, PHONE);
    await again.page.goto(`${portal.url}/login/sso?email=ada%40acme.example`);
    assert.deepEqual(await audit(again.page), []);
    await again.page.click("main button:has-text('Continue')");
    await acmeLogin(again.page, "ada@acme.example");
    await again.page.waitForURL((u) => u.href.startsWith(portal.url));
    await again.page.goto(sso);
    assert.ok((await again.page.textContent("main")).includes("Required"));
    assert.deepEqual(await audit(again.page), []);
    await again.page.goto(`${portal.url}/orgs/${slug}/activity`);
    const log = await again.page.textContent("main");
    for (const action of ["domain.verified", "sso.create", "sso.test", "sso.link", "sso.enable", "sso.require", "member.join_by_sso"]) {
      assert.ok(log.includes(action), `${action} in the Activity log`);
    }
    // Chromium reports the refused page's own 403 as a failed load; nothing else may fail.
    const refusedLoad = (p) => p.includes("Failed to load resource: the server responded with a status of 403");
    assert.deepEqual([...problems.filter((p) => !refusedLoad(p)), ...ben.problems, ...again.problems], []);
  } finally {
    await acme.close();
    dns.stop();
    await done();
  }
});
