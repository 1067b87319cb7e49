// Payment methods against localstripe (PyPI): a stateful stand-in of the
// payment provider's API that also serves a stand-in of Stripe.js, so the
// card is typed into the provider's script in Chromium and never reaches the
// portal. Its webhooks (signed, to /webhooks/stripe) bring in a change made
// at the provider directly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startStack } from "./lib/stack.mjs";
import { freePort, waitFor } from "./lib/portal.mjs";
import { launch, person, signIn, createOrg, audit, PHONE } from "./lib/browser.mjs";

const SECRET = "sk_test_e2e";
const WEBHOOK_SECRET = "whsec_e2e";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function startLocalstripe() {
  const port = await freePort();
  const child = spawn(process.env.LOCALSTRIPE ?? "localstripe", ["--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  child.stderr.on("data", (d) => { log += d; });
  const url = `http://localhost:${port}`;
  await waitFor("localstripe", async () => {
    try { return (await fetch(`${url}/js.stripe.com/v3/`)).ok; } catch { return false; }
  });
  await fetch(`${url}/_config/data`, { method: "DELETE" });
  const api = async (method, path, form) => {
    const res = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/x-www-form-urlencoded" },
      body: form ? new URLSearchParams(form) : undefined,
    });
    return res.json();
  };
  return { url, api, log: () => log, stop: () => child.kill("SIGTERM") };
}

async function saveBillingDetails(page, portalUrl, slug) {
  await page.goto(`${portalUrl}/orgs/${slug}/billing`);
  await page.fill("#contact_name", "Bea Billing");
  await page.fill("#contact_email", "bea@corp.example");
  await page.fill("#legal_name", "Corp GmbH");
  await page.fill("#address_line1", "Hauptstraße 1");
  await page.fill("#city", "Berlin");
  await page.selectOption("#country", "DE");
  await page.click("main button:has-text('Save billing details')");
  await page.waitForURL(/\/billing$/);
}

/// Through the provider's card fields (localstripe's stand-in of Stripe.js).
async function addCard(page, portalUrl, slug, number, exp = ["12", "30"]) {
  await page.goto(`${portalUrl}/orgs/${slug}/billing/payment-methods`);
  await page.click("main button:has-text('Add a payment method')");
  await page.waitForSelector("#card-element input[placeholder=number]");
  await page.fill("#card-element input[placeholder=number]", number);
  await page.fill("#card-element input[placeholder=exp_month]", exp[0]);
  await page.fill("#card-element input[placeholder=exp_year]", exp[1]);
  await page.fill("#card-element input[placeholder=cvc]", "123");
  await page.fill("#card-element input[placeholder=postal_code]", "10115");
  await page.click("#card-submit");
  // When the confirmation does not come back to the list, say what the page says.
  await page.waitForURL(/\/billing\/payment-methods$/).catch(async (e) => {
    const said = await page.innerText("body").catch(() => "(no page)");
    throw new Error(`the card was not added: ${page.url()} says:\n${said.slice(0, 2000)}\n${e.message}`);
  });
}

const rows = (page) => page.$$eval("main table tbody tr", (trs) => trs.map((tr) => tr.innerText.replace(/\s+/g, " ").trim()));

test("an admin and a Billing member add cards through the provider's fields, make one default, remove one", async () => {
  const stripe = await startLocalstripe();
  const { portal, db, done } = await startStack("payments", {
    env: {
      ORGPORTAL_STRIPE_SECRET_KEY: SECRET,
      ORGPORTAL_STRIPE_PUBLISHABLE_KEY: "pk_test_e2e",
      ORGPORTAL_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ORGPORTAL_STRIPE_API_BASE: stripe.url,
      ORGPORTAL_STRIPE_JS_URL: `${stripe.url}/js.stripe.com/v3/`,
    },
  });
  try {
    await fetch(`${stripe.url}/_config/webhooks/portal`, {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ url: `${portal.url}/webhooks/stripe`, secret: WEBHOOK_SECRET }),
    });
    const admin = await person(browser, portal.url);
    await signIn(admin.page, portal.url, "admin@corp.example");
    const slug = await createOrg(admin.page, portal.url, "Corp");
    await saveBillingDetails(admin.page, portal.url, slug);

    await addCard(admin.page, portal.url, slug, "4242424242424242");
    assert.match(await admin.page.innerText("main"), /Payment method added\./);
    let listed = await rows(admin.page);
    assert.equal(listed.length, 1, listed.join("\n"));
    assert.match(listed[0], /^Visa ending in 4242 12\/2030 Default/);
    await addCard(admin.page, portal.url, slug, "5555555555554444", ["03", "31"]);
    listed = await rows(admin.page);
    assert.equal(listed.length, 2, listed.join("\n"));
    // localstripe names every test card's brand Visa.
    assert.match(listed[1], /ending in 4444 03\/2031/);
    const customer = db.query("SELECT provider_customer_id FROM billing_details");
    assert.match(customer, /^cus_/);
    const atProvider = await stripe.api("GET", `/v1/payment_methods?customer=${customer}&type=card`);
    assert.deepEqual(atProvider.data.map((m) => m.card.last4).sort(), ["4242", "4444"]);
    assert.equal(db.query("SELECT count(*) FROM payment_methods WHERE last4 = '4242'"), "1");
    assert.doesNotMatch(db.query("SELECT string_agg(t::text, ' ') FROM payment_methods t"), /4242424242424242/);

    // Make the Mastercard the default, then remove the Visa (after its page).
    await admin.page.click("main form[action$='/default'] button");
    await admin.page.waitForURL(/\/billing\/payment-methods$/);
    const defaultId = db.query("SELECT provider_id FROM payment_methods WHERE is_default");
    assert.equal((await stripe.api("GET", `/v1/customers/${customer}`)).invoice_settings.default_payment_method, defaultId);
    await admin.page.click("main a:has-text('Remove')");
    await admin.page.click("main button:has-text('Remove payment method')");
    await admin.page.waitForURL(/\/billing\/payment-methods$/);
    listed = await rows(admin.page);
    assert.equal(listed.length, 1, listed.join("\n"));
    assert.match(listed[0], /ending in 4444 03\/2031 Default/);
    for (const found of await audit(admin.page)) admin.problems.push(found);

    // A Billing member does the same; a Technical user may not open the page.
    const billing = await person(browser, portal.url, PHONE);
    await signIn(billing.page, portal.url, "bill@corp.example");
    const userId = db.query("SELECT id FROM users WHERE email = 'bill@corp.example'");
    const orgId = db.query(`SELECT id FROM organizations WHERE slug = '${slug}'`);
    db.query(`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('${orgId}', '${userId}', 'Billing', now())`);
    await addCard(billing.page, portal.url, slug, "4012888888881881", ["07", "32"]);
    assert.equal((await rows(billing.page)).length, 2);
    for (const found of await audit(billing.page)) billing.problems.push(found);
    const tech = await person(browser, portal.url);
    await signIn(tech.page, portal.url, "tech@corp.example");
    const techId = db.query("SELECT id FROM users WHERE email = 'tech@corp.example'");
    db.query(`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('${orgId}', '${techId}', 'Technical user', now())`);
    const res = await tech.page.goto(`${portal.url}/orgs/${slug}/billing/payment-methods`);
    assert.equal(res.status(), 403);

    // Made at the provider directly: its webhook (customer.updated) brings it in.
    const other = db.query("SELECT provider_id FROM payment_methods WHERE NOT is_default");
    await stripe.api("POST", `/v1/customers/${customer}`, { "invoice_settings[default_payment_method]": other });
    await waitFor("the webhook", () => db.query(`SELECT is_default FROM payment_methods WHERE provider_id = '${other}'`) === "t");
    assert.match(db.query("SELECT count(*) FROM provider_events"), /^[1-9]/);
    assert.deepEqual(
      db.query("SELECT action FROM activity WHERE action LIKE 'billing.payment_method%' ORDER BY created_at").split("\n"),
      ["billing.payment_method_add", "billing.payment_method_add", "billing.payment_method_default",
       "billing.payment_method_remove", "billing.payment_method_add"],
    );
    for (const p of [admin, billing]) { assert.deepEqual(p.problems, []); await p.context.close(); }
    await tech.context.close(); // its one "problem" is the 403 it was meant to get
  } finally { await done(); stripe.stop(); }
});
