// Usage: start orgportal on the embedded default with
// ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE=true, then
//   node webhooks.mjs [base-url] [out-dir]
// Adds a webhook endpoint (refused first, then with its secret shown once)
// pointing at a port nobody listens on, sends a test ping, and saves the
// Webhooks page and the endpoint's page with its failed delivery, at 1280
// and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "admin@example.com", "Ada Admin");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Hooked Org");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/webhooks`);
await page.fill("#url", "ftp://example.com/in");
await page.check("input[name=events][value=chosen]");
await page.click("main button:has-text('Add endpoint')");
await desktopAndPhone(page, shot, "webhooks-refused");
await page.fill("#url", "http://127.0.0.1:9/hooks");
await page.fill("#description", "Grants access in our device cloud");
await page.check("input[name=event][value='member.added']");
await page.check("input[name=event][value='member.removed']");
await page.click("main button:has-text('Add endpoint')");
await desktopAndPhone(page, shot, "webhooks-created");
await page.click("main table a");
await page.click("main button:has-text('Send test ping')");
await new Promise((r) => setTimeout(r, 2500));
await page.reload();
await page.click("main details summary");
await desktopAndPhone(page, shot, "webhook-endpoint");
await browser.close();
