// Usage: import examples/customers.json (`cargo run -- customers import
// examples/customers.json`), start orgportal on the embedded default with
// ORGPORTAL_STAFF_EMAILS=sam@support.example, then
//   node billing.mjs [base-url] [out-dir]
// Ada, the first contact of Northwind Databases, opens Billing as Admin and
// saves details with a mistake and then right; Bill (Billing role) and Sam
// (support staff, read-only) open it too; then the phone width.
import { base, browser, session, signIn } from "./lib.mjs";

const ada = await session();
await ada.page.goto(base + "/auth/dev/start");
await signIn(ada.page, "ada@northwind.example", "Ada Admin");
const billing = base + "/orgs/northwind-databases/billing";
await ada.page.goto(billing);
await ada.shot("b01-billing-admin-empty");
await ada.page.fill("#contact_name", "Bea Billing");
await ada.page.fill("#contact_email", "bea@northwind");
await ada.page.fill("#legal_name", "Northwind Databases GmbH");
await ada.page.fill("#address_line1", "Hauptstraße 1");
await ada.page.fill("#city", "Berlin");
await ada.page.click("button:has-text('Save billing details')");
await ada.shot("b02-billing-errors");
await ada.page.fill("#contact_email", "bea@northwind.example");
await ada.page.selectOption("#country", "DE");
await ada.page.click("button:has-text('Save billing details')");
await ada.shot("b03-billing-saved");
await ada.page.goto(base + "/orgs/northwind-databases/members/invite");
await ada.page.fill("#email-1", "bill@northwind.example");
await ada.page.selectOption("#role-1", "Billing");
await ada.page.click("button:has-text('Send invitations')");
await ada.page.click("button:has-text('Copy link')");
const link = await ada.page.inputValue("#invitation-link");
const bill = await session();
await bill.page.goto(base + "/auth/dev/start");
await signIn(bill.page, "bill@northwind.example", "Bill Billing");
await bill.page.goto(link);
await bill.page.click("button:has-text('Accept')");
await bill.page.goto(billing);
await bill.shot("b04-billing-as-billing-role");
const sam = await session();
await sam.page.goto(base + "/auth/dev/start");
await signIn(sam.page, "sam@support.example", "Sam Support");
await sam.page.goto(base + "/staff/orgs/northwind-databases/billing");
await sam.shot("b05-billing-staff-view");
await ada.page.goto(billing);
await ada.page.setViewportSize({ width: 390, height: 844 });
await ada.shot("b06-billing-phone");
await browser.close();
