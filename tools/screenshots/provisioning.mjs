// Usage: start orgportal on the embedded default, then
//   node provisioning.mjs [base-url] [out-dir]
// Organization -> Single sign-on -> Provisioning: a token made (shown once),
// people and groups sent by a "directory" (fetch, as Okta would), a group
// mapped to a role, a person suspended; the Members page lists them.
// Saves each page at 1280 and 390 px.
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

const admin = await session();
const page = admin.page;
await page.goto(base + "/auth/dev/start");
await signIn(page, "ada@acme.example", "Ada Admin");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Acme");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/sso`);
await desktopAndPhone(page, admin.shot, "sso-with-provisioning");
await page.goto(`${base}/orgs/${slug}/sso/provisioning`);
await desktopAndPhone(page, admin.shot, "provisioning-empty");
await page.fill("#name", "");
await page.click("button:has-text('Create SCIM token')");
await desktopAndPhone(page, admin.shot, "provisioning-name-refused");
await page.fill("#name", "Okta");
await page.click("button:has-text('Create SCIM token')");
await desktopAndPhone(page, admin.shot, "provisioning-token-shown");
const token = await page.inputValue("#new-token");
const scim = (method, path, body) => fetch(`${base}/scim/v2/orgs/${slug}${path}`, {
  method,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
  body: JSON.stringify(body),
}).then((r) => r.json());
const people = [];
for (const [user, name] of [["ben", "Ben Okafor"], ["cy", "Cy Young"], ["dee", "Dee Lopez"]]) {
  people.push(await scim("POST", "/Users", { userName: `${user}@acme.example`, displayName: name, active: true }));
}
const admins = await scim("POST", "/Groups", { displayName: "Acme Admins", members: [{ value: people[0].id }] });
await scim("POST", "/Groups", { displayName: "Finance", members: people.slice(1).map((p) => ({ value: p.id })) });
await scim("PATCH", `/Users/${people[2].id}`, {
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations: [{ op: "replace", value: { active: false } }],
});
await page.goto(`${base}/orgs/${slug}/sso/provisioning`);
await page.selectOption(`#role-${admins.id}`, "Admin");
await page.click(`form[action$='/groups/${admins.id}/role'] button`);
await desktopAndPhone(page, admin.shot, "provisioning-groups-mapped");
await page.goto(`${base}/orgs/${slug}/members`);
await desktopAndPhone(page, admin.shot, "members-suspended");
await page.goto(`${base}/orgs/${slug}/activity`);
await desktopAndPhone(page, admin.shot, "activity-scim");
await browser.close();
