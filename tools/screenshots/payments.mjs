// Usage: start orgportal with ORGPORTAL_STRIPE_* pointed at localstripe
// (`localstripe --port 8420`; API base http://localhost:8420, JS URL
// http://localhost:8420/js.stripe.com/v3/), then
//   node payments.mjs [base-url] [out-dir]
// Adds two cards through the provider's card fields as an admin, and saves
// the Payment methods list, the add page and the remove page at 1280 and
// 390 px, with their HTML for the Nu Html Checker.
import { writeFileSync } from "node:fs";
import { base, browser, out, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "admin@example.com", "Ada Admin");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Paying Org");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/billing`);
for (const [id, value] of [["#contact_name", "Bea Billing"], ["#contact_email", "bea@example.com"], ["#legal_name", "Paying Org GmbH"], ["#address_line1", "Hauptstraße 1"], ["#city", "Berlin"]]) {
  await page.fill(id, value);
}
await page.selectOption("#country", "DE");
await page.click("button:has-text('Save billing details')");
const list = `${base}/orgs/${slug}/billing/payment-methods`;
for (const [number, month, year] of [["4242424242424242", "12", "30"], ["5555555555554444", "01", "24"]]) {
  await page.goto(list);
  await page.click("main button:has-text('Add a payment method')");
  await page.waitForSelector("#card-element input[placeholder=number]");
  if (number.startsWith("4242")) {
    for (const width of [1280, 390]) { await page.setViewportSize({ width, height: 800 }); await shot(`payment-add-${width}`); }
    writeFileSync(`${out}/payment-add.html`, await page.content());
  }
  await page.fill("#card-element input[placeholder=number]", number);
  await page.fill("#card-element input[placeholder=exp_month]", month);
  await page.fill("#card-element input[placeholder=exp_year]", year);
  await page.fill("#card-element input[placeholder=cvc]", "123");
  await page.fill("#card-element input[placeholder=postal_code]", "10115");
  await page.click("#card-submit");
  await page.waitForURL(/\/payment-methods$/);
}
for (const width of [1280, 390]) { await page.setViewportSize({ width, height: 800 }); await shot(`payment-list-${width}`); }
writeFileSync(`${out}/payment-list.html`, await (await page.context().request.get(list)).text());
await page.click("main a:has-text('Remove')");
for (const width of [1280, 390]) { await page.setViewportSize({ width, height: 800 }); await shot(`payment-remove-${width}`); }
writeFileSync(`${out}/payment-remove.html`, await (await page.context().request.get(page.url())).text());
await browser.close();
