// Usage: start orgportal on the embedded default, then
//   node check.mjs [base-url] [out-dir]
// Signs in, visits the portal's pages at 1280 px and at 390 px, runs axe-core
// on each (serious and critical violations fail), saves each page's HTML as
// served, and runs the Nu Html Checker (vnu-jar) on all of them (errors fail).
// Needs `npm install --no-save axe-core vnu-jar` here and Java.
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { base, browser, out, signIn } from "./lib.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const vnu = require.resolve("vnu-jar/build/dist/vnu.jar");

const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
const page = await context.newPage();
await page.goto(base + "/auth/dev/start");
await signIn(page, "checker@example.com", "Check Er");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Checked Org");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/projects/new`);
await page.fill("#name", "Checked Project");
await page.click("button:has-text('Create')");

const paths = (process.env.CHECK_PATHS ?? "").split(",").filter(Boolean);
const pages = paths.length ? paths : [
  "/getting-started", `/orgs/${slug}`, `/orgs/${slug}/members`, `/orgs/${slug}/members/invite`,
  `/orgs/${slug}/roles`, `/orgs/${slug}/activity`, "/settings", "/settings/organizations",
  "/settings/sessions", "/settings/security-log", "/settings/delete",
  `/orgs/${slug}/projects`, `/orgs/${slug}/projects/new`, `/orgs/${slug}/projects/checked-project`,
  `/orgs/${slug}/projects/checked-project/settings`, `/orgs/${slug}/projects/checked-project/team`,
  `/orgs/${slug}/projects/checked-project/transfer`, `/orgs/${slug}/projects/checked-project/tokens`, "/personal/projects", "/personal/projects/new", "/projects/new",
];
let failed = 0;
const files = [];
for (const width of [1280, 390]) {
  await page.setViewportSize({ width, height: 800 });
  for (const path of pages) {
    await page.goto(base + path);
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => window.axe.run());
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of bad) {
      failed++;
      console.log(`axe ${width}px ${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) {
      failed++;
      console.log(`layout ${width}px ${path}: ${overflow}px wider than the window`);
    }
    if (width === 1280) {
      const html = await (await context.request.get(base + path)).text();
      const file = `${out}/${path.replace(/\W+/g, "_")}.html`;
      writeFileSync(file, html);
      files.push(file);
    }
  }
}
try {
  execFileSync("java", ["-jar", vnu, "--errors-only", ...files], { stdio: "inherit" });
} catch {
  failed++;
}
console.log(failed ? `${failed} problems` : `${pages.length} pages checked at 1280 and 390 px: no serious axe violation, no HTML error`);
await browser.close();
process.exit(failed ? 1 : 0);
