// A real OpenID Connect provider: the npm package oidc-provider, with its
// own login and consent pages (any password), one confidential client, and
// the accounts a test names. `setFault` makes its next ID tokens wrong in
// exactly one way, re-signed with its own key unless the fault is the
// signature, so that each of the portal's checks is tried on its own;
// "down" drops the token request's connection (gone mid sign-in).
import { createServer } from "node:http";
import { generateKeyPairSync, sign } from "node:crypto";
import Provider from "oidc-provider";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

// `host` names the issuer (it listens on 127.0.0.1 either way): a second
// provider at "localhost" keeps its cookies apart from the first's.
export async function startProvider({ port, redirectUri, clientId = "orgportal", clientSecret = "e2e-secret", accounts, host = "127.0.0.1" }) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "e2e-1", alg: "RS256", use: "sig" };
  const issuer = `http://${host}:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri].flat(),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    jwks: { keys: [jwk] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["e2e-cookie-key"] },
    async findAccount(_ctx, id) {
      const who = accounts[id] ?? { email: id, email_verified: true, name: id.split("@")[0] };
      return { accountId: id, claims: async () => ({ sub: id, ...who }) };
    },
  });
  provider.proxy = false;

  let fault = null;
  provider.use(async (ctx, next) => {
    if (fault === "down" && ctx.path === "/token") {
      ctx.req.socket.destroy();
      return;
    }
    await next();
    if (fault && ctx.path === "/token" && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token, fault, privateKey) };
    }
  });

  const server = createServer(provider.callback());
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    setFault(f) { fault = f; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

function tamper(token, fault, privateKey) {
  const [header, payload, signature] = token.split(".");
  if (fault === "signature") {
    const bytes = Buffer.from(signature, "base64url");
    bytes[bytes.length - 1] ^= 0xff;
    return `${header}.${payload}.${b64url(bytes)}`;
  }
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  if (fault === "issuer") claims.iss = "http://127.0.0.1:1/another-issuer";
  else if (fault === "audience") claims.aud = "another-client";
  else if (fault === "nonce") claims.nonce = "not-this-sign-in";
  else if (fault === "expired") claims.exp = Math.floor(Date.now() / 1000) - 3600;
  else throw new Error(`unknown fault ${fault}`);
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign("sha256", Buffer.from(input), privateKey))}`;
}
