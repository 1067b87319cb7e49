// Invitations through a real SMTP server (aiosmtpd) that requires STARTTLS
// and AUTH: the message's parts and headers, a certificate nobody vouched
// for, and a server that is down while the portal is killed and restarted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./lib/stack.mjs";
import { startPortal, freePort, waitFor } from "./lib/portal.mjs";
import { makeCertificates, startSmtp } from "./lib/smtp.mjs";
import { launch, person, signIn, createOrg, invite } from "./lib/browser.mjs";

let browser, certs;
before(async () => { browser = await launch(); certs = makeCertificates(); });
after(async () => { await browser?.close(); });

async function adminWithOrg(portal) {
  const admin = await person(browser, portal.url);
  await signIn(admin.page, portal.url, "admin@corp.example");
  const slug = await createOrg(admin.page, portal.url, "Corp");
  return { ...admin, slug };
}

test("an invitation arrives over STARTTLS and AUTH with text and HTML parts and every header", async () => {
  const smtp = await startSmtp({ port: await freePort(), certs });
  const { portal, db, done } = await startStack("mail", {
    env: { ORGPORTAL_SMTP_URL: smtp.url, ORGPORTAL_SMTP_CA_FILE: certs.ca, ORGPORTAL_MAIL_FROM: "Corp Portal <portal@corp.example>" },
  });
  try {
    const admin = await adminWithOrg(portal);
    await invite(admin.page, portal.url, admin.slug, "new.person@corp.example");
    const [mail] = await waitFor("the invitation", () => smtp.messages().length && smtp.messages());
    assert.deepEqual(mail.rcpt, ["new.person@corp.example"]);
    assert.ok(mail.tls && mail.auth, "sent after STARTTLS, authenticated");
    const h = mail.headers;
    assert.equal(h.From, "Corp Portal <portal@corp.example>");
    assert.equal(h.To, "new.person@corp.example");
    assert.match(h.Subject, /Corp/);
    assert.ok(!Number.isNaN(Date.parse(h.Date)), `Date: ${h.Date}`);
    assert.match(h["Message-ID"], /^<[^@\s]+@[^>\s]+>$/);
    assert.deepEqual(mail.parts, ["multipart/alternative", "text/plain", "text/html"]);
    const link = mail.text.match(/https?:\/\/\S+/)[0];
    assert.ok(link.startsWith(`${portal.env.ORGPORTAL_BASE_URL}/invitations/`), link);
    assert.equal(db.query("SELECT state FROM mail_outbox"), "sent");

    const invitee = await person(browser, portal.url);
    await signIn(invitee.page, portal.url, "new.person@corp.example");
    await invitee.page.goto(link);
    await invitee.page.click("main button:has-text('Accept')");
    await invitee.page.waitForURL(new RegExp(`/orgs/${admin.slug}`));
    assert.equal(db.query("SELECT count(*) FROM memberships"), "2");
    for (const p of [admin, invitee]) { assert.deepEqual(p.problems, []); await p.context.close(); }
  } finally { await done(); await smtp.stop(); }
});

test("with smtps:// the invitations go over TLS from the first byte, several on one connection", async () => {
  const smtp = await startSmtp({ port: await freePort(), certs, implicit: true });
  const { portal, db, done } = await startStack("smtps", {
    env: { ORGPORTAL_SMTP_URL: smtp.url, ORGPORTAL_SMTP_CA_FILE: certs.ca },
  });
  try {
    const admin = await adminWithOrg(portal);
    for (const p of ["one", "two"]) await invite(admin.page, portal.url, admin.slug, `${p}@corp.example`);
    const mails = await waitFor("both invitations", () => smtp.messages().length === 2 && smtp.messages());
    assert.deepEqual(mails.flatMap((m) => m.rcpt).sort(), ["one@corp.example", "two@corp.example"]);
    assert.ok(mails.every((m) => m.tls && m.auth), "encrypted and authenticated");
    assert.deepEqual(mails[0].peer, mails[1].peer, "the second went over the connection the first opened");
    assert.equal(db.query("SELECT count(*) FROM mail_outbox WHERE state = 'sent'"), "2");
    await admin.context.close();
  } finally { await done(); await smtp.stop(); }
});

test("a certificate from an authority the portal was not told to trust is refused", async () => {
  const smtp = await startSmtp({ port: await freePort(), certs });
  const { portal, db, done } = await startStack("untrusted", {
    env: { ORGPORTAL_SMTP_URL: smtp.url, ORGPORTAL_MAIL_RETRY_BASE: "1s" },
  });
  try {
    const admin = await adminWithOrg(portal);
    await invite(admin.page, portal.url, admin.slug, "new.person@corp.example");
    const error = await waitFor("a failed attempt", () => db.query("SELECT last_error FROM mail_outbox WHERE attempts > 0"));
    assert.match(error, /certificate/i);
    assert.equal(db.query("SELECT state FROM mail_outbox"), "retrying");
    assert.equal(smtp.messages().length, 0, "nothing was sent over the untrusted connection");
    await admin.context.close();
  } finally { await done(); await smtp.stop(); }
});

test("SMTP down, the portal killed and restarted: every invitation arrives exactly once", async () => {
  const smtpPort = await freePort();
  const smtp0 = { url: `smtp://portal:mail-pa55@127.0.0.1:${smtpPort}?tls=required` };
  const env = { ORGPORTAL_SMTP_URL: smtp0.url, ORGPORTAL_SMTP_CA_FILE: certs.ca, ORGPORTAL_MAIL_RETRY_BASE: "1s" };
  const { portal, db, done } = await startStack("restart", { env });
  let second, smtp;
  try {
    const admin = await adminWithOrg(portal);
    const people = ["p1", "p2", "p3", "p4", "p5"].map((p) => `${p}@corp.example`);
    for (const p of people) await invite(admin.page, portal.url, admin.slug, p);
    await admin.context.close();
    // Each has failed at least once and none is being sent right now (a
    // message claimed when the process dies waits for its lease to end).
    await waitFor("failed attempts", () =>
      db.query("SELECT count(*) FROM mail_outbox WHERE attempts > 0 AND locked_until IS NULL") === "5");
    assert.equal((await portal.kill()).signal, "SIGKILL");

    smtp = await startSmtp({ port: smtpPort, certs });
    second = await startPortal({ port: portal.port, db, dataDir: portal.dataDir, env: portal.env });
    await waitFor("all five", () => db.query("SELECT count(*) FROM mail_outbox WHERE state = 'sent'") === "5", 90);
    await new Promise((r) => setTimeout(r, 3000)); // a few more worker rounds: nothing is sent again
    const got = smtp.messages().flatMap((m) => m.rcpt).sort();
    assert.deepEqual(got, people, "each address once");
  } finally { await second?.stop(); await done(); await smtp?.stop(); }
});
