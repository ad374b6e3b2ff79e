// A stand-in for Cloudflare Access in tests: an RSA key pair, its JWKS (given to the Worker
// as ACCESS_JWKS) and RS256 tokens like the ones Access puts in Cf-Access-Jwt-Assertion.
import { generateKeyPairSync, sign } from "node:crypto";

export const ACCESS_TEAM_DOMAIN = "https://sealpost-test.cloudflareaccess.com";
export const ACCESS_AUD = "aud-tag-123";
export const STAFF = {
  admin: "admin@clinic.example",
  sharer: "sharer@clinic.example",
  viewer: "viewer@clinic.example",
  nobody: "nobody@clinic.example",
};

export function fakeAccess() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "test-access-kid", alg: "RS256", use: "sig" };
  const jwks = JSON.stringify({ keys: [jwk] });
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  /** An Access token for `email`; `claims` and `header` override the defaults. */
  function token(email, { claims = {}, header = {}, key = privateKey } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const input = `${enc({ alg: "RS256", kid: "test-access-kid", typ: "JWT", ...header })}.${enc({
      aud: [ACCESS_AUD], iss: ACCESS_TEAM_DOMAIN, email, sub: `sub-${email}`, type: "app",
      iat: now, nbf: now, exp: now + 3600, ...claims,
    })}`;
    return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
  }
  return {
    token,
    vars: {
      ACCESS_TEAM_DOMAIN,
      ACCESS_AUD,
      ACCESS_JWKS: jwks,
      STAFF_ROLES: JSON.stringify({ [STAFF.admin]: "admin", [STAFF.sharer]: "sharer", [STAFF.viewer]: "viewer" }),
    },
  };
}
