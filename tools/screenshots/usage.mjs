// Usage: start orgportal on the embedded default, then
//   node usage.mjs [base-url] [out-dir]
// Creates a project and its token, reports usage with it as the platform
// would (POST /api/v1/usage) and saves the project page with its usage;
// then bills the admin's own personal usage to the organization (with a
// refused address first), reports usage of a personal project, and saves
// the Billing page's billed members, the Usage page, one project's days
// and the personal space's notice, at 1280 px and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "una@example.com", "Una Usage");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Metered");
await page.click("button:has-text('Save')");
const org = page.url();

async function tokenOf(projects, name) {
  await page.goto(`${projects}/new`);
  await page.fill("#name", name);
  await page.click("button:has-text('Create')");
  await page.goto(`${projects}/${name.toLowerCase().replace(/\W+/g, "-")}/tokens`);
  await page.fill("#name", "Platform");
  await page.click("button:has-text('Create token')");
  return page.inputValue("input[readonly]");
}

async function report(token, records) {
  const res = await fetch(base + "/api/v1/usage", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(records),
  });
  console.log("usage:", res.status, await res.text());
}

const both = (name) => desktopAndPhone(page, shot, name);

const today = new Date().toISOString().slice(0, 10);
const fleet = await tokenOf(org + "/projects", "Fleet");
await report(fleet, [
  { id: "a", metric: "device.hours", quantity: 720, day: "2026-10-15" },
  { id: "b", metric: "sim.data_mb", quantity: 2048, day: "2026-10-20" },
  { id: "c", metric: "device.hours", quantity: 96, day: today },
  { id: "d", metric: "sim.data_mb", quantity: 1536, day: today },
]);
const radar = await tokenOf(org + "/projects", "Radar");
await report(radar, [{ id: "r", metric: "device.hours", quantity: 1250000, day: today }]);
await page.goto(org + "/projects/fleet");
await both("u01-project-usage");

await page.goto(org + "/billing");
await page.fill("#billed-email", "nobody@example.com");
await page.click("button:has-text('Bill their personal usage')");
await both("u02-billed-refused");
await page.fill("#billed-email", "una@example.com");
await page.click("button:has-text('Bill their personal usage')");
await both("u03-billed-members");

const lab = await tokenOf(base + "/personal/projects", "Home lab");
await report(lab, [{ id: "h", metric: "device.hours", quantity: 24, day: today }]);
await page.goto(base + "/personal/projects");
await both("u04-personal-billed");
await page.goto(org + "/billing/usage");
await both("u05-usage-page");
await page.click("a:has-text('Fleet')");
await both("u06-usage-by-day");
await browser.close();
