// Usage: start orgportal on the embedded default, then
//   node projects.mjs [base-url] [out-dir]
// Creates an organization and projects in it and in the personal space, and
// saves the project list, New Project (with its errors), a project's page,
// its settings, the Edit Member page's default project role, the Team page
// with a direct collaborator's invitation, their invitation, "Shared with
// me", the invite form's warning, and the space switcher, at desktop width
// and at 390 px.
import { base, browser, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/auth/dev/start");
await signIn(page, "ada@example.com", "Ada Lovelace");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Analytical Engines");
await page.click("button:has-text('Save')");
const org = page.url();
await page.click("nav.sidebar >> text=Projects");
await shot("p01-projects-empty");
await page.click("a:has-text('+ New Project')");
await page.fill("#slug", "Not OK");
await page.click("button:has-text('Create Project')");
await shot("p02-new-project-errors");
await page.fill("#name", "Difference Engine");
await page.fill("#slug", "");
await page.fill("#description", "Tabulates polynomial functions by the method of finite differences.");
await page.click("button:has-text('Create Project')");
await shot("p03-project-page");
for (const name of ["Analytical Engine", "Jacquard Loom Cards", "Notes on the Engine"]) {
  await page.goto(org + "/projects/new");
  await page.fill("#name", name);
  await page.click("button:has-text('Create Project')");
}
await page.goto(org + "/projects");
await shot("p04-projects-list");
await page.goto(org + "/projects/difference-engine/tokens");
await page.fill("#name", "Deploy pipeline");
await page.click("button:has-text('Create token')");
await shot("p04b-project-token");
await page.goto(org + "/projects/difference-engine/settings");
await shot("p05-project-settings");
await page.fill("#confirm_name", "wrong");
await page.click("button:has-text('Delete project')");
await shot("p06-delete-wrong-name");

const tess = await session();
await tess.page.goto(base + "/auth/dev/start");
await signIn(tess.page, "tess@example.com", "Tess Tech");
// Tess joins through an invitation link copied from the Members page.
await page.goto(org + "/members/invite");
await page.fill("#email-1", "tess@example.com");
await page.click("button:has-text('Send invitations')");
await page.click("button:has-text('Copy link')");
const link = await page.inputValue("#invitation-link");
await tess.page.goto(link);
await tess.page.click("button:has-text('Accept')");
await page.goto(org + "/members");
await page.click("tr:has-text('tess@example.com') >> a:has-text('Edit')");
await shot("p07-edit-member-default-project-role");
await tess.page.goto(org + "/projects/difference-engine");
await tess.shot("p08-project-page-technical-user");
await page.goto(org + "/projects/difference-engine/team");
await page.selectOption("tr:has-text('tess@example.com') select", "View-only");
await page.click("tr:has-text('tess@example.com') button:has-text('Save')");
await shot("p08b-team");

// A direct collaborator from outside the organization, invited from the Team page.
await page.fill("#invite-email", "carol@example.com");
await page.selectOption("#invite-role", "View-only");
await page.click("button:has-text('Send invitation')");
await shot("p08e-team-invited");
await page.fill("#invite-email", "tess@example.com");
await page.click("button:has-text('Send invitation')");
await shot("p08f-invite-member-refused");
const carol = await session();
await carol.page.goto(base + "/auth/dev/start");
await signIn(carol.page, "carol@example.com", "Carol Collab");
await carol.page.goto(base + "/dev/mailbox");
await carol.page.click("section.mail:has-text('carol@example.com') >> a:has-text('Open the link')");
await carol.shot("p08g-project-invitation");
await carol.page.click("button:has-text('Accept')");
await carol.shot("p08h-shared-project");
const sharedUrl = carol.page.url().split("?")[0];
await carol.page.goto(base + "/shared");
await carol.shot("p08i-shared-with-me");
await carol.page.goto(sharedUrl + "/team");
await carol.shot("p08j-collaborator-team");
await page.goto(org + "/members/invite");
await page.fill("#email-1", "carol@example.com");
await page.click("button:has-text('Send invitations')");
await shot("p08k-invite-direct-warning");

await page.click("details.new-menu summary");
await shot("p08c-plus-menu");
await page.click("details.new-menu a:has-text('New project')");
await page.fill("#name", "Orphan");
await page.click("button:has-text('Create Project')");
await shot("p08d-new-project-owner-error");
await page.goto(base + "/personal/projects/new");
await page.fill("#name", "Sketches");
await page.click("button:has-text('Create Project')");
await page.click("details.switcher summary");
await shot("p09-personal-project-switcher");
await page.goto(base + "/personal/projects/sketches/transfer");
await page.click("button:has-text('Transfer')");
await shot("p09b-transfer-no-choice");
await page.selectOption("#to", { label: "Analytical Engines" });
await page.click("button:has-text('Transfer')");
await shot("p09c-transferred");

await page.setViewportSize({ width: 390, height: 844 });
for (const [path, file] of [["/projects", "p10-phone-list"], ["/projects/difference-engine", "p11-phone-project"],
                            ["/projects/difference-engine/settings", "p12-phone-settings"],
                            ["/projects/difference-engine/team", "p13-phone-team"]]) {
  await page.goto(org + path);
  await shot(file);
}
await browser.close();
