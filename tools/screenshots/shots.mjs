// Usage: start orgportal on the embedded default, then
//   node shots.mjs [base-url] [out-dir]
// Clicks through sign-in, Add Organization, its settings, Members, Invite, Roles, the
// development mailbox and the invitation link, saving a screenshot of each.
import { base, browser, session, signIn } from "./lib.mjs";

const { page, shot } = await session("admin");
await page.goto(base + "/");
await shot("01-landing");
await page.click("a.button-large");
await page.click("a[href^='/auth/']");
await shot("02-dev-provider");
await page.click("button:has-text('Continue')");
await shot("03-dev-provider-errors");
await signIn(page, "ada@example.com", "Ada Lovelace");
await shot("04-getting-started");
await page.click("a.button:has-text('Add Organization')");
await page.fill("#name", "");
await page.click("button:has-text('Save')");
await shot("05-new-org-error");
await page.fill("#name", "Analytical Engines Ltd");
await page.click("button:has-text('Save')");
await shot("06-organization");
await page.fill("#slug", "Engines!");
await page.click("button:has-text('Save changes')");
await shot("06b-settings-error");
await page.fill("#name", "Analytical Engines");
await page.fill("#slug", "engines");
await page.click("button:has-text('Save changes')");
await shot("06c-renamed");
await page.click("details.switcher summary");
await shot("07-switcher-open");
await page.click("nav.sidebar >> text=Members");
await page.click("a:has-text('Invite Member')");
await page.fill("#email-1", "charles@example.com");
await page.click("button:has-text('Add another user')");
await page.fill("#email-2", "not-an-address");
await page.selectOption("#role-2", "Billing");
await page.click("button:has-text('+ Add another user')");
await page.fill("#email-3", "mary@example.com");
await shot("08-invite-form");
await page.click("button:has-text('Send invitations')");
await shot("09-invite-partial-errors");
await page.goto(page.url().replace(/invitations$/, "members"));
await page.waitForTimeout(2500);
await page.reload();
await shot("10-members-with-pending");
await page.click("button:has-text('Copy link')");
await shot("11-copy-link");
await page.click("nav.sidebar >> text=Roles");
await shot("12-roles");
await page.click("nav.sidebar >> text=Activity");
await shot("12b-activity");
await page.goto(base + "/dev/mailbox");
await shot("13-mailbox");
// Mary's mail: Charles's link was replaced by "Copy link" above.
const link = await page.locator("section.mail", { hasText: "mary@example.com" })
  .locator("a.button-small").first().getAttribute("href");

const charles = await session("mary");
await charles.page.goto(link);
await charles.shot("14-invitation-anonymous");
await charles.page.click("a:has-text('Sign in to accept')");
await charles.page.click("a[href^='/auth/']");
await signIn(charles.page, "mary@example.com", "Mary Somerville");
await charles.shot("15-invitation-invitee");
await charles.page.click("button:has-text('Accept')");
await charles.shot("16-joined");

await page.goto(base + "/getting-started");
await page.click("a:has-text('Invite to')");
await page.click("a:has-text('Edit')");
await shot("17-edit-member");
await page.click("a:has-text('Remove member')");
await shot("18-remove-confirm");
await page.goto(base + "/orgs/does-not-exist");
await shot("19-not-found");
await browser.close();
