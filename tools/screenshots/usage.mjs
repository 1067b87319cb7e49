// Usage: start orgportal on the embedded default, then
//   node usage.mjs [base-url] [out-dir]
// Creates a project and its token, reports usage with it as the platform
// would (POST /api/v1/usage) and saves the project page with its usage.
import { base, browser, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "una@example.com", "Una Usage");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Metered");
await page.click("button:has-text('Save')");
const org = page.url();
await page.goto(org + "/projects/new");
await page.fill("#name", "Fleet");
await page.click("button:has-text('Create Project')");
await page.goto(org + "/projects/fleet/tokens");
await page.fill("#name", "Platform");
await page.click("button:has-text('Create token')");
const token = await page.inputValue("input[readonly]");
const today = new Date().toISOString().slice(0, 10);
const records = [
  { id: "a", metric: "device.hours", quantity: 720, day: "2026-10-15" },
  { id: "b", metric: "sim.data_mb", quantity: 2048, day: "2026-10-20" },
  { id: "c", metric: "device.hours", quantity: 96, day: today },
];
const res = await fetch(base + "/api/v1/usage", {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify(records),
});
console.log("usage:", res.status, await res.text());
await page.goto(org + "/projects/fleet");
await shot("u01-project-usage");
await page.setViewportSize({ width: 390, height: 844 });
await shot("u02-project-usage-phone");
await browser.close();
