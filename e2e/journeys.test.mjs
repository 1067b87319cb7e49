// The main journeys in Debian's Chromium, at 1280 x 800 and at a 390 x 844
// phone viewport: every portal page on the way is checked with axe-core (no
// serious or critical violation), for horizontal scrolling, and for console
// errors (CSP violations included) and script errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startStack } from "./lib/stack.mjs";
import { freePort, waitFor, bin } from "./lib/portal.mjs";
import { makeCertificates, startSmtp } from "./lib/smtp.mjs";
import { launch, person, signIn, createOrg, invite, audit, DESKTOP, PHONE } from "./lib/browser.mjs";

let browser, certs;
before(async () => { browser = await launch(); certs = makeCertificates(); });
after(async () => { await browser?.close(); });

for (const [label, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
  test(`main journeys at ${label} width (${viewport.width} x ${viewport.height})`, async () => {
    const smtp = await startSmtp({ port: await freePort(), certs });
    const { portal, db, done } = await startStack(`journey_${label}`, {
      env: {
        ORGPORTAL_SMTP_URL: smtp.url,
        ORGPORTAL_SMTP_CA_FILE: certs.ca,
        ORGPORTAL_STAFF_EMAILS: "sam@corp.example",
      },
    });
    const found = [];
    const people = [];
    const as = async (login) => {
      const p = await person(browser, portal.url, viewport);
      people.push(p);
      await signIn(p.page, portal.url, login);
      return p.page;
    };
    // Audits the page where it stands and returns its main text; with
    // E2E_SHOTS=dir, keeps a screenshot of it to look at.
    let shot = 0;
    const look = async (page) => {
      found.push(...await audit(page));
      if (process.env.E2E_SHOTS) {
        const name = new URL(page.url()).pathname.replace(/[^a-z0-9]+/gi, "-");
        await page.screenshot({ path: `${process.env.E2E_SHOTS}/${label}-${String(++shot).padStart(2, "0")}${name}.png`, fullPage: true });
      }
      return page.textContent("main");
    };
    try {
      // An admin creates an organization and invites two people.
      const admin = await as("admin@corp.example");
      await look(admin);
      const slug = await createOrg(admin, portal.url, "Corp");
      assert.match(await look(admin), /Corp/);
      await admin.goto(`${portal.url}/orgs/${slug}/members/invite`);
      await look(admin);
      await invite(admin, portal.url, slug, "ann@corp.example", "Technical user");
      await invite(admin, portal.url, slug, "bob@corp.example", "View-only");
      assert.match(await look(admin), /ann@corp\.example[\s\S]*bob@corp\.example|bob@corp\.example[\s\S]*ann@corp\.example/);

      // Ann accepts from the emailed link, in her own browser.
      const mails = await waitFor("two invitations", () => smtp.messages().length === 2 && smtp.messages());
      const annMail = mails.find((m) => m.rcpt[0] === "ann@corp.example");
      const link = annMail.text.match(/https?:\/\/\S+/)[0];
      const ann = await as("ann@corp.example");
      await ann.goto(link);
      assert.match(await look(ann), /Corp/);
      await ann.click("main button:has-text('Accept')");
      await ann.waitForURL(new RegExp(`/orgs/${slug}`));
      await look(ann);

      // The admin changes Ann's role, then removes Ann.
      const annId = db.query("SELECT id FROM users WHERE email = 'ann@corp.example'");
      await admin.goto(`${portal.url}/orgs/${slug}/members`);
      assert.match(await look(admin), /ann@corp\.example/);
      await admin.goto(`${portal.url}/orgs/${slug}/members/${annId}/edit`);
      await look(admin);
      await admin.selectOption("#role", "Billing");
      await admin.click("main form[action$='/role'] button");
      await admin.waitForLoadState();
      assert.equal(db.query(`SELECT role FROM memberships WHERE user_id = '${annId}'`), "Billing");
      await look(admin);
      await admin.goto(`${portal.url}/orgs/${slug}/members/${annId}/remove`);
      await look(admin);
      await admin.click("main button:has-text('Remove member')");
      await admin.waitForURL(new RegExp(`/orgs/${slug}/members$`));
      assert.doesNotMatch(await look(admin), /ann@corp\.example/);
      assert.equal(db.query(`SELECT count(*) FROM memberships WHERE user_id = '${annId}'`), "0");

      // The admin's other pages.
      for (const path of [`/orgs/${slug}/roles`, `/orgs/${slug}/activity`, `/orgs/${slug}/billing`,
        `/orgs/${slug}/projects`, "/settings", "/settings/sessions", "/settings/organizations"]) {
        const res = await admin.goto(`${portal.url}${path}`);
        assert.equal(res.status(), 200, path);
        await look(admin);
      }

      // A project, and a collaborator invited to it.
      await admin.goto(`${portal.url}/orgs/${slug}/projects/new`);
      await look(admin);
      await admin.fill("#name", "Fleet");
      await admin.click("main button:has-text('Create project')");
      await admin.waitForURL(new RegExp(`/orgs/${slug}/projects/fleet`));
      assert.match(await look(admin), /Fleet/);
      await admin.goto(`${portal.url}/orgs/${slug}/projects/fleet/team`);
      await admin.fill("#invite-email", "cara@partner.example");
      await admin.click("main button:has-text('Send invitation')");
      await admin.waitForLoadState();
      assert.match(await look(admin), /cara@partner\.example/);
      await waitFor("the collaborator's invitation", () => smtp.messages().some((m) => m.rcpt[0] === "cara@partner.example"));

      // A customer contact signs in (their organization is made for them) and raises a ticket.
      execFileSync(bin, ["customers", "import", new URL("../examples/customers.json", import.meta.url).pathname],
        { env: portal.env, stdio: "pipe" });
      const ada = await as("ada@northwind.example");
      const northwind = db.query("SELECT o.slug FROM organizations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id WHERE u.email = 'ada@northwind.example'");
      assert.ok(northwind, "Ada is a member of her customer's organization");
      await ada.goto(`${portal.url}/orgs/${northwind}/tickets/new`);
      await look(ada);
      await ada.fill("#subject", "Replica lag after upgrade");
      await ada.fill("#description", "Since the upgrade the replica is 30 s behind.");
      await ada.click("main button:has-text('Raise ticket')");
      await ada.waitForURL(new RegExp(`/orgs/${northwind}/tickets$`));
      const tickets = await look(ada);
      assert.match(tickets, /Ticket \S+ raised\./);
      assert.match(tickets, /Replica lag after upgrade/);

      // Support staff open the staff area.
      const sam = await as("sam@corp.example");
      await sam.goto(`${portal.url}/staff`);
      assert.match(await look(sam), /Northwind/);

      for (const p of people) found.push(...p.problems);
      assert.deepEqual(found, [], "no accessibility, layout, console or script problem");
    } finally {
      for (const p of people) await p.context.close();
      await done();
      await smtp.stop();
    }
  });
}
