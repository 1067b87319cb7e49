// Usage: start orgportal on the embedded default, then
//   node settings.mjs [base-url] [out-dir]
// Signs Ada in on two browsers, then saves every Personal settings tab at
// desktop width and at 390 px (phone), the refusals of Delete account, and the
// page a rate-limited request gets.
import { base, browser, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "ada@example.com", "Ada Lovelace");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Analytical Engines");
await page.click("button:has-text('Save')");

const laptop = await session();
await laptop.page.goto(base + "/auth/dev/start");
await signIn(laptop.page, "ada@example.com", "Ada Lovelace");

await page.click("details.user-menu summary");
await shot("s01-user-menu");
await page.click("a:has-text('Settings')");
await shot("s02-profile");
await page.click("nav.sidebar >> text=Organizations");
await shot("s03-organizations");
await page.click("nav.sidebar >> text=Sessions");
await shot("s04-sessions");
await page.click("main button:has-text('Sign out')");
await shot("s05-session-signed-out");
await page.click("nav.sidebar >> text=Security log");
await shot("s06-security-log");
await page.click("nav.sidebar >> text=Delete account");
await shot("s07-delete-owner");

// Charles belongs to no organization: he may delete his account.
const charles = await session();
await charles.page.goto(base + "/auth/dev/start");
await signIn(charles.page, "charles@example.com", "Charles Babbage");
await charles.page.goto(base + "/settings/delete");
await charles.page.fill("#confirm_email", "someone@else.example");
await charles.page.click("button:has-text('Delete my account')");
await charles.shot("s08-delete-wrong-email");
await charles.page.fill("#confirm_email", "charles@example.com");
await charles.page.click("button:has-text('Delete my account')");
await charles.shot("s08b-deleted");

await page.setViewportSize({ width: 390, height: 844 });
for (const [path, file] of [["/settings", "s09-phone-profile"], ["/settings/sessions", "s10-phone-sessions"],
                            ["/settings/security-log", "s11-phone-security-log"], ["/settings/delete", "s12-phone-delete"]]) {
  await page.goto(base + path);
  await shot(file);
}

// The copied laptop session was signed out above: its next page is sign-in.
await laptop.page.goto(base + "/settings");
await laptop.shot("s13-revoked-session-next-request");

// A rate-limited request: start the portal with ORGPORTAL_RATE_SIGN_IN=12/1m to see it
// (the three sign-ins above take nine).
const anon = await session();
for (let i = 0; i < 5; i++) await anon.page.goto(base + "/auth/dev/start");
await anon.shot("s14-rate-limited");
await browser.close();
