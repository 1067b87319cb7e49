// Usage: start a DNS server on records.json (python3 e2e/lib/dns_server.py
// PORT records.json, PyPI dnslib) and orgportal on the embedded default with
// ORGPORTAL_DNS_RESOLVER=127.0.0.1:PORT, then
//   node domains.mjs [base-url] [out-dir] [records.json]
// Claims acme.example (a bad name first), presses Verify before and after
// publishing the TXT record, sets the policy to "suggest"; Ben asks to join
// from Getting Started and the admin sees his request on the Members page.
// Saves each page at 1280 and 390 px.
import { writeFileSync } from "node:fs";
import { base, browser, desktopAndPhone, session, signIn } from "./lib.mjs";

const records = process.argv[4] ?? "records.json";
const admin = await session();
let page = admin.page;
await page.goto(base + "/auth/dev/start");
await signIn(page, "ada@acme.example", "Ada Admin");
await page.goto(base + "/orgs/new");
await page.fill("#name", "Acme");
await page.click("button:has-text('Save')");
const slug = new URL(page.url()).pathname.split("/")[2];
await page.goto(`${base}/orgs/${slug}/domains`);
await page.fill("#domain", "https://acme.example/");
await page.click("main button:has-text('Add domain')");
await desktopAndPhone(page, admin.shot, "domains-refused");
await page.fill("#domain", "acme.example");
await page.click("main button:has-text('Add domain')");
await page.click("main button:has-text('Verify')");
await desktopAndPhone(page, admin.shot, "domains-not-found");
const [, name, value] = await page.$$eval("main dl.details code", (els) => els.map((e) => e.textContent.trim()));
writeFileSync(records, JSON.stringify({ [name]: [value] }));
await page.click("main button:has-text('Verify')");
await page.selectOption("main select[name=policy]", "suggest");
await page.click("main button:has-text('Save join policy')");
await desktopAndPhone(page, admin.shot, "domains-verified");

const ben = await session();
await ben.page.goto(base + "/auth/dev/start");
await signIn(ben.page, "ben@acme.example", "Ben Builder");
await ben.page.goto(base + "/getting-started");
await desktopAndPhone(ben.page, ben.shot, "getting-started-ask-to-join");
await ben.page.click("main button:has-text('Ask to join')");
await desktopAndPhone(ben.page, ben.shot, "getting-started-asked");
await page.goto(`${base}/orgs/${slug}/members`);
await desktopAndPhone(page, admin.shot, "members-join-request");
await browser.close();
