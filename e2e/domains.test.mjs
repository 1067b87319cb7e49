// Verified domains against a DNS server on dnslib (PyPI, lib/dns_server.py)
// named by ORGPORTAL_DNS_RESOLVER: the admin claims acme.example, Verify
// fails until the TXT record is published, then succeeds; with the policy
// "automatic" a new employee whose provider verified their address finds
// "Join Acme" on Getting Started and joins, while one whose address is not
// verified sees nothing. The pages are checked with axe at both widths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack } from "./lib/stack.mjs";
import { startDns } from "./lib/dns.mjs";
import { freePort } from "./lib/portal.mjs";
import { launch, person, signIn, createOrg, audit, PHONE } from "./lib/browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a domain verified through dnslib lets a new employee join Acme from Getting Started", async () => {
  const dnsPort = await freePort();
  const dns = await startDns(dnsPort);
  const { portal, done } = await startStack("domains", {
    env: { ORGPORTAL_DNS_RESOLVER: `127.0.0.1:${dnsPort}` },
    accounts: { "uma@acme.example": { email: "uma@acme.example", email_verified: false, name: "Uma" } },
  });
  try {
    const { page, problems } = await person(browser, portal.url);
    await signIn(page, portal.url, "ada@acme.example");
    const slug = await createOrg(page, portal.url, "Acme");
    const domains = `${portal.url}/orgs/${slug}/domains`;
    await page.goto(domains);
    await page.fill("#domain", "acme.example");
    await page.click("main button:has-text('Add domain')");
    await page.waitForURL(domains);
    const codes = await page.$$eval("main dl.details code", (els) => els.map((e) => e.textContent.trim()));
    const [, name, value] = codes;
    assert.equal(name, "_orgportal-challenge.acme.example");
    assert.match(value, /^orgportal-verification=/);

    await page.click("main button:has-text('Verify')");
    assert.ok((await page.textContent("main")).includes(`No TXT record was found at ${name}.`));
    assert.deepEqual(await audit(page), []);

    dns.publish({ [name]: ["v=spf1 -all", value] });
    await page.click("main button:has-text('Verify')");
    await page.waitForURL(domains);
    assert.ok((await page.textContent("body")).includes("acme.example is verified."));
    await page.selectOption("main select[name=policy]", "automatic");
    await page.selectOption("main select[name=role]", "Technical user");
    await page.click("main button:has-text('Save join policy')");
    await page.waitForURL(domains);
    assert.deepEqual(await audit(page), []);
    await page.screenshot({ path: join(tmpdir(), "e2e-domains.png"), fullPage: true });

    // Ben's provider verified his address: he joins at once.
    const ben = await person(browser, portal.url);
    await signIn(ben.page, portal.url, "ben@acme.example");
    await ben.page.goto(`${portal.url}/getting-started`);
    assert.ok((await ben.page.textContent("main")).includes("your verified address at acme.example"));
    assert.deepEqual(await audit(ben.page), []);
    await ben.page.click("main button:has-text('Join Acme')");
    await ben.page.waitForURL(`${portal.url}/orgs/${slug}`);
    assert.ok((await ben.page.textContent("body")).includes("You joined Acme as Technical user."));

    // Uma's address is not verified by her provider: nothing is offered.
    const uma = await person(browser, portal.url);
    await signIn(uma.page, portal.url, "uma@acme.example");
    await uma.page.goto(`${portal.url}/getting-started`);
    assert.ok(!(await uma.page.textContent("main")).includes("Join Acme"));

    await page.goto(`${portal.url}/orgs/${slug}/activity`);
    const log = await page.textContent("main");
    for (const action of ["domain.added", "domain.verify_failed", "domain.verified", "domain.join_policy", "member.join_by_domain"]) {
      assert.ok(log.includes(action), `${action} in the Activity log`);
    }
    const phone = await person(browser, portal.url, PHONE);
    await signIn(phone.page, portal.url, "ada@acme.example");
    await phone.page.goto(domains);
    assert.deepEqual(await audit(phone.page), []);
    // Chromium reports the refused Verify's own 422 as a failed load; nothing else may fail.
    const refusedVerify = (p) => p.includes("/verify: Failed to load resource: the server responded with a status of 422");
    assert.deepEqual([...problems.filter((p) => !refusedVerify(p)), ...ben.problems, ...uma.problems, ...phone.problems], []);
  } finally {
    dns.stop();
    await done();
  }
});
