// Usage: start orgportal on the embedded default, then
//   node shots.mjs [base-url] [out-dir]
// Signs in through the development provider, creates an organization and
// saves a screenshot of each page on the way.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.argv[2] ?? "http://127.0.0.1:8080";
const out = process.argv[3] ?? "screenshots";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const shot = async (name) => {
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`${out}/${name}.png  ${page.url()}`);
};

await page.goto(base + "/");
await shot("01-landing");
await page.click("a.button-large");
await page.click("a[href^='/auth/']");
await shot("02-dev-provider");
await page.click("button:has-text('Continue')");
await shot("03-dev-provider-errors");
await page.fill("#email", "ada@example.com");
await page.fill("#name", "Ada Lovelace");
await page.click("button:has-text('Continue')");
await shot("04-getting-started");
await page.click("a.button:has-text('Add Organization')");
await page.fill("#name", "");
await page.click("button:has-text('Save')");
await shot("05-new-org-error");
await page.fill("#name", "Analytical Engines Ltd");
await shot("06-new-org-filled");
await page.click("button:has-text('Save')");
await shot("07-organization");
await page.click("details.switcher summary");
await shot("08-switcher-open");
await page.goto(base + "/getting-started");
await shot("09-getting-started-with-org");
await page.goto(base + "/orgs/does-not-exist");
await shot("10-not-found");
await browser.close();
