// Usage: import examples/customers.json, start orgportal on the embedded
// default with ORGPORTAL_STAFF_EMAILS=sam@support.example, then
//   node customers.mjs [base-url] [out-dir]
// Signs in as a customer contact (auto-linked organization), opens the
// customer data pages, raises a ticket, connects a service, then looks at
// the staff area as Sam.
import { base, browser, session, signIn } from "./lib.mjs";

const { page, shot } = await session();
await page.goto(base + "/login");
await page.click("a[href^='/auth/']");
await signIn(page, "ada@northwind.example", "Ada Admin");
await shot("c01-getting-started-linked");
await page.goto(base + "/orgs/northwind-databases");
await page.click("nav.sidebar >> text=Entitlements");
await shot("c02-entitlements");
await page.click("nav.sidebar >> text=Support tickets");
await shot("c03-tickets-open");
await page.click("nav.tabs >> text=Closed");
await shot("c04-tickets-closed");
await page.click("nav.sidebar >> text=Support tickets");
await page.click("a:has-text('Raise a ticket')");
await page.selectOption("#priority", "High");
await page.fill("#description", "Replication stopped on the second replica at 09:12 UTC.");
await page.click("button:has-text('Raise ticket')");
await shot("c05-ticket-form-error");
await page.fill("#subject", "Replica stopped replicating");
await page.click("button:has-text('Raise ticket')");
await shot("c06-ticket-raised");
await page.click("table a:has-text('Replica stopped replicating')");
await shot("c06b-ticket-page");
await page.click("nav.sidebar >> text=Contacts");
await shot("c07-contacts");
await page.click("nav.sidebar >> text=Connected services");
await page.click("button:has-text('Create connection token')");
await shot("c08-service-name-error");
await page.fill("#name", "PMM production");
await page.click("button:has-text('Create connection token')");
await shot("c09-service-token-once");
await page.click("nav.sidebar >> text=Connected services");
await shot("c10-services-list");

const sam = await session();
await sam.page.goto(base + "/login");
await sam.page.click("a[href^='/auth/']");
await signIn(sam.page, "sam@support.example", "Sam Support");
await sam.page.click("details.user-menu summary");
await sam.shot("c11-staff-menu");
await sam.page.click("a:has-text('Staff area')");
await sam.shot("c12-staff-orgs");
await sam.page.fill("#q", "cust-1001");
await sam.page.click("button:has-text('Search')");
await sam.shot("c13-staff-search");
await sam.page.click("table a:has-text('Northwind')");
await sam.shot("c14-staff-entitlements");
await sam.page.click("nav.sidebar >> text=Support tickets");
await sam.shot("c15-staff-tickets");
await sam.page.click("nav.sidebar >> text=Members");
await sam.shot("c16-staff-members");
await sam.page.goto(base + "/staff/activity");
await sam.shot("c16b-site-activity");

await page.click("nav.sidebar >> text=Activity");
await shot("c17-activity-with-staff-views");
await browser.close();
