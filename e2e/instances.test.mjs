// Two portal instances behind nginx (the README's example) on one
// PostgreSQL database with the same session key: sessions and invitations
// cross instances, 50 invitations sent while both mail workers run arrive
// once each, X-Forwarded-For is believed only from the trusted proxy, and
// links and redirects use the public base URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startProvider } from "./lib/provider.mjs";
import { startPortal, database, freePort, sessionKey, waitFor } from "./lib/portal.mjs";
import { makeCertificates, startSmtp } from "./lib/smtp.mjs";
import { startNginx } from "./lib/nginx.mjs";
import { launch, person, signIn, createOrg, invite } from "./lib/browser.mjs";

/// One HTTP request from a chosen local address (the browser cannot choose).
function raw(url, { method = "GET", headers = {}, body, from = "127.0.0.3" } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress: from }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

test("two instances behind nginx on one database", async () => {
  const [a, b, proxyPort, providerPort, smtpPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  const certs = makeCertificates();
  const smtp = await startSmtp({ port: smtpPort, certs });
  const provider = await startProvider({ port: providerPort, redirectUri: `${publicUrl}/auth/oidc/callback`, accounts: {} });
  const db = database("instances");
  const env = {
    ORGPORTAL_SESSION_KEY: sessionKey(),
    ORGPORTAL_TRUSTED_PROXIES: "127.0.0.2",
    ORGPORTAL_OIDC_ISSUER: provider.issuer,
    ORGPORTAL_OIDC_CLIENT_ID: provider.clientId,
    ORGPORTAL_OIDC_CLIENT_SECRET: provider.clientSecret,
    ORGPORTAL_SMTP_URL: smtp.url,
    ORGPORTAL_SMTP_CA_FILE: certs.ca,
  };
  const one = await startPortal({ port: a, db, baseUrl: publicUrl, env });
  const two = await startPortal({ port: b, db, baseUrl: publicUrl, env });
  const nginx = await startNginx({ port: proxyPort, upstreams: [a, b] });
  const browser = await launch();
  try {
    // Signed in through the proxy; the same cookie works on each instance.
    const admin = await person(browser, publicUrl);
    await signIn(admin.page, publicUrl, "admin@corp.example");
    assert.equal(new URL(admin.page.url()).origin, publicUrl, "the provider sent the browser back to the public URL");
    const slug = await createOrg(admin.page, publicUrl, "Corp");
    const cookie = (await admin.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    for (const instance of [one, two]) {
      const res = await raw(`${instance.url}/orgs/${slug}/members`, { headers: { cookie } });
      assert.equal(res.status, 200, instance.url);
      assert.match(res.text, /admin@corp\.example/);
    }

    // An invitation made on one instance is accepted on the other.
    await invite(admin.page, one.url, slug, "ann@corp.example");
    const [mail] = await waitFor("Ann's invitation", () => smtp.messages().length && smtp.messages());
    const link = mail.text.match(/https?:\/\/\S+/)[0];
    assert.ok(link.startsWith(`${publicUrl}/invitations/`), `the link is on the public URL: ${link}`);
    const ann = await person(browser, publicUrl);
    await signIn(ann.page, publicUrl, "ann@corp.example");
    await ann.page.goto(link.replace(publicUrl, two.url));
    await ann.page.click("main button:has-text('Accept')");
    await ann.page.waitForURL(new RegExp(`/orgs/${slug}`));
    assert.equal(db.query("SELECT count(*) FROM memberships"), "2");

    // Redirects are paths (the browser stays on the public host).
    const login = await raw(`${publicUrl}/orgs/${slug}`);
    assert.equal(login.status, 303);
    assert.ok(login.headers.location.startsWith("/login"), login.headers.location);
    const start = await raw(`${publicUrl}/auth/oidc/start`);
    assert.ok(start.headers.location.includes(encodeURIComponent(`${publicUrl}/auth/oidc/callback`)), start.headers.location);

    // 50 invitations through the proxy while both mail workers run.
    const addresses = Array.from({ length: 50 }, (_, i) => `person${String(i).padStart(2, "0")}@corp.example`);
    for (const address of addresses) await invite(admin.page, publicUrl, slug, address);
    await waitFor("50 more messages", () => db.query("SELECT count(*) FROM mail_outbox WHERE state = 'sent'") === "51", 120);
    await new Promise((r) => setTimeout(r, 3000));
    const received = smtp.messages().flatMap((m) => m.rcpt).filter((r) => r.startsWith("person")).sort();
    assert.deepEqual(received, addresses, "each of the 50 exactly once");
    const delivered = (p) => (p.log().match(/mail delivered/g) ?? []).length;
    assert.equal(delivered(one) + delivered(two), 51);
    assert.ok(delivered(one) > 0 && delivered(two) > 0, `both workers sent: ${delivered(one)} + ${delivered(two)}`);

    // X-Forwarded-For: believed from the proxy (127.0.0.2), read from the
    // right, never from a client talking to an instance directly.
    const createOrgFrom = async (base, name, headers = {}) => {
      const form = await raw(`${base}/orgs/new`, { headers: { cookie, ...headers } });
      const csrf = form.text.match(/name="csrf_token" value="([^"]+)"/)[1];
      const body = new URLSearchParams({ name, csrf_token: csrf }).toString();
      const res = await raw(`${base}/orgs`, {
        method: "POST", body,
        headers: { cookie, ...headers, "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
      });
      assert.equal(res.status, 303, `${name}: ${res.text.slice(0, 300)}`);
      return db.query(`SELECT a.ip FROM activity a JOIN organizations o ON o.id = a.org_id WHERE o.name = '${name}' AND a.action = 'org.create'`);
    };
    assert.equal(await createOrgFrom(publicUrl, "Via proxy"), "127.0.0.3", "the client, not the proxy's 127.0.0.2");
    assert.equal(await createOrgFrom(publicUrl, "Forged via proxy", { "x-forwarded-for": "198.51.100.7" }), "127.0.0.3");
    assert.equal(await createOrgFrom(one.url, "Forged direct", { "x-forwarded-for": "198.51.100.7" }), "127.0.0.3");

    for (const p of [admin, ann]) { assert.deepEqual(p.problems, []); await p.context.close(); }
  } finally {
    await browser.close();
    await nginx.stop();
    await one.stop();
    await two.stop();
    await provider.close();
    await smtp.stop();
    db.drop();
  }
});
