// Usage: start orgportal with ORGPORTAL_STAFF_PROVISIONERS=pat@support.example, then
//   node provision.mjs [base-url] [out-dir]
// Carol builds a product in her personal space, Olivia signs in once; Pat
// (staff with staff.provision) sets up Acme Robotics for Olivia: a form with
// mistakes, its preview, and the new organization's members, each at 1280
// and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

for (const [email, name, project] of [["carol@example.com", "Carol Builder", "Fleet"], ["olivia@example.com", "Olivia Owner", null]]) {
  const { page } = await session();
  await page.goto(base + "/auth/dev/start");
  await signIn(page, email, name);
  if (project) {
    await page.goto(base + "/personal/projects/new");
    await page.fill("#name", project);
    await page.click("button:has-text('Create')");
  }
}

const { page, shot } = await session();
const both = (name) => desktopAndPhone(page, shot, name);
await page.goto(base + "/auth/dev/start");
await signIn(page, "pat@support.example", "Pat Provisioner");
await page.goto(base + "/staff");
await both("p01-staff-list");
await page.goto(base + "/staff/orgs/new");
await page.fill("#name", "Acme Robotics");
await page.fill("#owner", "olivia@exmaple.com");
await page.fill("#transfers", "carol@example.com/fleet\ncarol@example.com/radar");
await page.fill("#billed", "carol@example.com");
await page.click("button:has-text('Preview')");
await both("p02-new-org-problems");
await page.fill("#owner", "olivia@example.com");
await page.fill("#transfers", "carol@example.com/fleet");
await page.click("button:has-text('Preview')");
await both("p03-new-org-preview");
await page.click("button:has-text('Create')");
await both("p04-created");
await browser.close();
