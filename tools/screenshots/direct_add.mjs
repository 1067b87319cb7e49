// Usage: start orgportal with ORGPORTAL_DIRECT_ADD=true, then
//   node direct_add.mjs [base-url] [out-dir]
// Ann has an account; the admin adds her directly beside an address with
// no account (invited instead) and a malformed one (refused on its row),
// then opens Members: each at 1280 and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

{
  const { page } = await session();
  await page.goto(base + "/auth/dev/start");
  await signIn(page, "ann@example.com", "Ann Able");
}
const { page, shot } = await session();
const both = (name) => desktopAndPhone(page, shot, name);
await page.goto(base + "/auth/dev/start");
await signIn(page, "olivia@example.com", "Olivia Owner");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Segments Co");
await page.click("button:has-text('Save')");
const org = page.url();
await page.goto(org + "/members/invite");
await page.fill("#email-1", "ann@example.com");
await page.click("button:has-text('+ Add another user')");
await page.fill("#email-2", "new@example.com");
await page.click("button:has-text('+ Add another user')");
await page.fill("#email-3", "not-an-address");
await page.check("input[name=direct]");
await both("d01-invite-direct");
await page.click("button:has-text('Send invitations')");
await both("d02-direct-result");
await page.goto(org + "/members");
await both("d03-members");
await browser.close();
