// Usage: import examples/customers.json (`cargo run -- customers import
// examples/customers.json`), start orgportal on the embedded default, then
//   node billing.mjs [base-url] [out-dir]
// Ada, the first contact of Northwind Databases, opens Billing as Admin,
// saves details with a mistake and then right; Vic (View-only) sees it read-only.
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
await ada.page.setViewportSize({ width: 390, height: 844 });
await ada.shot("b04-billing-phone");
await browser.close();
