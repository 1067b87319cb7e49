// Debian's Chromium through playwright-core: one context per person, sign-in
// through the real provider's pages, and the checks every visited portal
// page gets (console and CSP errors, axe-core, horizontal overflow).
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/// A person's browser. `problems` collects what the portal's pages did
/// wrong: console errors (CSP violations are reported there), script errors.
export async function person(browser, portalUrl, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  const ours = () => page.url().startsWith(portalUrl);
  page.on("console", (m) => { if (m.type() === "error" && ours()) problems.push(`console on ${page.url()}: ${m.text()}`); });
  page.on("pageerror", (e) => { if (ours()) problems.push(`script error on ${page.url()}: ${e.message}`); });
  page.on("dialog", (d) => d.accept());
  return { context, page, problems };
}

/// Through the portal's sign-in page and the provider's own login and
/// consent pages (oidc-provider's: any password is accepted).
export async function signIn(page, portalUrl, login, next = "") {
  await page.goto(`${portalUrl}/login${next}`);
  await page.click("a.provider, a[href^='/auth/oidc/start']");
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", "any-password");
  await page.click("button[type=submit]");
  await page.click("button:has-text('Continue')");
  await page.waitForURL((u) => u.href.startsWith(portalUrl));
}

/// axe-core's serious and critical violations, and horizontal overflow.
export async function audit(page) {
  const found = [];
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run());
  for (const v of result.violations) {
    if (v.impact === "serious" || v.impact === "critical") {
      found.push(`axe ${v.id} (${v.impact}) on ${page.url()}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) found.push(`${page.url()} is ${overflow}px wider than the window`);
  return found;
}

/// Creates an organization from /orgs/new; returns its URL name.
export async function createOrg(page, portalUrl, name) {
  await page.goto(`${portalUrl}/orgs/new`);
  await page.fill("#name", name);
  await page.click("main button:has-text('Save')");
  await page.waitForURL(/\/orgs\/[^/]+$/);
  return new URL(page.url()).pathname.split("/")[2];
}

/// Invites one address with the form's default role, or `role`.
export async function invite(page, portalUrl, slug, email, role) {
  await page.goto(`${portalUrl}/orgs/${slug}/members/invite`);
  await page.fill("#email-1", email);
  if (role) await page.selectOption("#role-1", { label: role });
  await page.click("main button:has-text('Send invitations')");
  await page.waitForURL((u) => !u.pathname.endsWith("/invite"));
}
