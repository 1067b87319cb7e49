// A provider and one portal on a database of their own: what most tests start.
import { startProvider } from "./provider.mjs";
import { startPortal, database, freePort } from "./portal.mjs";

export async function startStack(tag, { env = {}, accounts = {}, secret } = {}) {
  const [portalPort, providerPort] = [await freePort(), await freePort()];
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const provider = await startProvider({ port: providerPort, redirectUri: `${portalUrl}/auth/oidc/callback`, accounts });
  const db = database(tag);
  const providerEnv = {
    ORGPORTAL_OIDC_ISSUER: provider.issuer,
    ORGPORTAL_OIDC_CLIENT_ID: provider.clientId,
    ORGPORTAL_OIDC_CLIENT_SECRET: secret ?? provider.clientSecret,
  };
  const portal = await startPortal({ port: portalPort, db, env: { ...providerEnv, ...env } });
  const done = async () => { await portal.stop(); await provider.close(); db.drop(); };
  return { provider, portal, db, done };
}
