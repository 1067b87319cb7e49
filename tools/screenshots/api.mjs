// Usage: start orgportal on the embedded default, then
//   node api.mjs [base-url] [out-dir]
// Makes an API key on the API keys page (the key shown once), uses it to
// invite someone, and saves the API keys page, the activity log naming the
// key, and the API reference (/docs/api) at 1280 and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "admin@example.com", "Ada Admin");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Automated Org");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/api-keys`);
await page.click("main button:has-text('Create API key')");
await desktopAndPhone(page, shot, "api-keys-refused");
await page.fill("#name", "Provisioning job");
for (const p of ["org.view", "members.invite", "members.manage"]) await page.check(`input[value="${p}"]`);
await page.click("main button:has-text('Create API key')");
const key = await page.inputValue("input[readonly]");
await desktopAndPhone(page, shot, "api-keys-created");
const res = await fetch(`${base}/api/v1/orgs/${slug}/invitations`, {
  method: "POST",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  body: JSON.stringify({ invitations: [{ email: "grace@example.com", role: "Technical user" }] }),
});
console.log("invite:", res.status);
await page.goto(`${base}/orgs/${slug}/api-keys`);
await desktopAndPhone(page, shot, "api-keys-list");
await page.goto(`${base}/orgs/${slug}/activity`);
await desktopAndPhone(page, shot, "api-activity");
await page.goto(`${base}/docs/api`);
await desktopAndPhone(page, shot, "api-reference");
await browser.close();
