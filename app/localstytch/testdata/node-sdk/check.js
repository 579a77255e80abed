// Runs Stytch's official Node SDK against a running local Stytch emulator:
// discovery send → /emulator/messages → redirect hop → discovery
// authenticate → organizations.create → sessions.authenticate →
// authenticateJwtLocal → revoke (→ session_not_found); then MFA: an org
// requiring MFA → otps.sms.send/authenticate (code from the outbox) →
// totps.create/authenticate (RFC 6238 computed here) → recoveryCodes.recover
// → recoveryCodes.get/rotate → sessions.exchange both ways, with Stytch's
// error types on the way; and RBAC: rbac.policy, the creator's roles and
// sessions.authenticate's authorization_check (not through the broker).
//
// Then the browser round trips through the public start endpoints and the
// local identity-provider page: OAuth discovery → oauth.discovery.authenticate
// → exchange into the SSO-only org (primary_required) → SSO start →
// sso.authenticate with the IST; the organization OAuth flow →
// oauth.authenticate; and their errors (needs --seed and PUBLIC_TOKEN).
//
// Env: EMULATOR_URL (e.g. http://127.0.0.1:8787), PROJECT_ID, SECRET;
// API_URL (default EMULATOR_URL) is where the SDK sends its calls: the
// Stytch broker in front of the emulator in app/broker/testdata/node-sdk.sh,
// which also sets BROKER=1 for the refusals only the broker makes.
"use strict";
const crypto = require("node:crypto");
const assert = require("node:assert/strict");
const stytch = require("stytch");

const base = (process.env.EMULATOR_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
const client = new stytch.B2BClient({
  project_id: process.env.PROJECT_ID,
  secret: process.env.SECRET,
  // `env` accepts any URL (custom_base_url insists on https://).
  env: (process.env.API_URL || base).replace(/\/$/, "") + "/",
});

const admin = process.env.ADMIN_SECRET
  ? new stytch.B2BClient({ project_id: process.env.PROJECT_ID, secret: process.env.ADMIN_SECRET, env: base + "/" })
  : client;

function pkce() {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

async function main() {
  const email = `node-${crypto.randomUUID()}@nodecheck.dev`;
  const { verifier, challenge } = pkce();

  const send = await client.magicLinks.email.discovery.send({ email_address: email, pkce_code_challenge: challenge });
  assert.equal(send.status_code, 200);

  const inbox = await (await fetch(`${base}/emulator/messages?to=${encodeURIComponent(email)}`)).json();
  assert.equal(inbox.messages.length, 1, "exactly one email");
  const hop = await fetch(inbox.messages[0].link, { redirect: "manual" });
  assert.equal(hop.status, 302);
  const loc = new URL(hop.headers.get("location"));
  assert.equal(loc.searchParams.get("stytch_token_type"), "discovery");
  const token = loc.searchParams.get("token");

  const auth = await client.magicLinks.discovery.authenticate({ discovery_magic_links_token: token, pkce_code_verifier: verifier });
  assert.equal(auth.email_address, email);
  assert.ok(auth.intermediate_session_token);

  // Fields the SDK's types require that the local API once lacked or named
  // differently (issue 8 item 18): Organization.custom_roles, JWK.x5tS256,
  // and organization_id_hint null (not "") for an IST tied to no org.
  const listed = await client.discovery.organizations.list({ intermediate_session_token: auth.intermediate_session_token });
  assert.ok("organization_id_hint" in listed, "organization_id_hint present");
  assert.equal(listed.organization_id_hint, null, "organization_id_hint is null");
  const jwks = await client.sessions.getJWKS({ project_id: process.env.PROJECT_ID });
  assert.equal(jwks.keys.length, 1);
  assert.equal(typeof jwks.keys[0].x5tS256, "string", "JWK.x5tS256 present");
  assert.ok(!("x5t_s256" in jwks.keys[0]), "no x5t_s256");

  const slug = "node-" + crypto.randomBytes(4).toString("hex");
  const created = await client.discovery.organizations.create({
    intermediate_session_token: auth.intermediate_session_token,
    organization_name: "Node Check",
    organization_slug: slug,
  });
  assert.equal(created.member_authenticated, true);
  assert.equal(created.organization.organization_slug, slug);
  assert.ok(Array.isArray(created.organization.custom_roles), "Organization.custom_roles is an array");
  assert.ok(Array.isArray(created.member.roles) && created.member.roles[0].role_id, "Member.roles are objects");

  const sess = await client.sessions.authenticate({ session_token: created.session_token });
  assert.equal(sess.member.email_address, email);
  assert.ok(Array.isArray(sess.organization.custom_roles), "sessions.authenticate organization.custom_roles");
  assert.equal(sess.member_session.organization_slug, slug);

  const local = await client.sessions.authenticateJwtLocal({ session_jwt: sess.session_jwt });
  assert.equal(local.member_session_id, sess.member_session.member_session_id);
  assert.equal(local.organization_id, created.organization.organization_id);

  // RBAC (backend calls; the broker serves sign-in only): Stytch's default
  // policy, the creator's stytch_admin role, authorization_check.
  if (!process.env.BROKER) await rbacChecks(created);

  await client.sessions.revoke({ session_token: created.session_token });
  try {
    await client.sessions.authenticate({ session_token: created.session_token });
    assert.fail("revoked session still authenticates");
  } catch (err) {
    assert.equal(err.error_type, "session_not_found", String(err));
    assert.equal(err.status_code, 404);
  }
  // A link this project never issued (e.g. another project's) is
  // magic_link_not_found 404, not "expired or used" (401).
  try {
    await client.magicLinks.discovery.authenticate({
      discovery_magic_links_token: crypto.randomBytes(33).toString("base64url"),
      pkce_code_verifier: pkce().verifier,
    });
    assert.fail("unknown token accepted");
  } catch (err) {
    assert.equal(err.error_type, "magic_link_not_found", String(err));
    assert.equal(err.status_code, 404);
  }

  await mfaChecks(created.organization.organization_id);

  if (process.env.BROKER) {
    // The broker serves sign-in only: administration is not there, and a
    // session can be revoked only by its own token.
    const refused = [
      ["organizations.create", () => client.organizations.create({ organization_name: "Evil", organization_slug: "evil-" + slug }), 404, "route_not_found"],
      ["organizations.members.create", () => client.organizations.members.create({ organization_id: created.organization.organization_id, email_address: "x@nodecheck.dev" }), 404, "route_not_found"],
      ["magicLinks.email.invite", () => client.magicLinks.email.invite({ organization_id: created.organization.organization_id, email_address: "x@nodecheck.dev" }), 404, "route_not_found"],
      ["sessions.revoke by member_id", () => client.sessions.revoke({ member_id: created.member.member_id }), 400, "bad_request"],
      ["discovery send without PKCE", () => client.magicLinks.email.discovery.send({ email_address: email }), 400, "bad_request"],
    ];
    for (const [name, call, status, type] of refused) {
      try {
        await call();
        assert.fail(name + " was not refused");
      } catch (err) {
        assert.equal(err.status_code, status, name + ": " + String(err));
        assert.equal(err.error_type, type, name + ": " + String(err));
      }
    }
  }

  await roundTrips();
  const pkg = JSON.parse(require("node:fs").readFileSync(require.resolve("stytch").replace(/dist[\\/].*$/, "package.json"), "utf8"));
  console.log("node-sdk check: OK (stytch " + pkg.version + (process.env.BROKER ? ", through the broker" : "") + ")");
}

// totp computes the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret.
function totp(secret, unix) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const h = crypto.createHmac("sha1", key).update(msg).digest();
  const off = h[h.length - 1] & 15;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

async function expectError(promise, type, status) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.error_type, type, String(err));
    assert.equal(err.status_code, status, String(err));
    return;
  }
  assert.fail("expected " + type);
}

async function mfaChecks(plainOrgID) {
  const email = `node-mfa-${crypto.randomUUID()}@nodecheck.dev`;
  const { verifier, challenge } = pkce();
  await client.magicLinks.email.discovery.send({ email_address: email, pkce_code_challenge: challenge });
  const inbox = await (await fetch(`${base}/emulator/messages?to=${encodeURIComponent(email)}`)).json();
  const loc = new URL((await fetch(inbox.messages[0].link, { redirect: "manual" })).headers.get("location"));
  const auth = await client.magicLinks.discovery.authenticate({ discovery_magic_links_token: loc.searchParams.get("token"), pkce_code_verifier: verifier });

  // Setting an organization's MFA policy is the company's admin work: through
  // the broker (which creates organizations with name and slug only) it is
  // done directly against the emulator with the real secret (ADMIN_SECRET).
  const created = await admin.discovery.organizations.create({
    intermediate_session_token: auth.intermediate_session_token,
    organization_name: "Node MFA",
    organization_slug: "node-mfa-" + crypto.randomBytes(4).toString("hex"),
    mfa_policy: "REQUIRED_FOR_ALL",
  });
  assert.equal(created.member_authenticated, false);
  assert.equal(created.session_token, "");
  assert.equal(created.member_session, null);
  assert.deepEqual(created.mfa_required, { member_options: { mfa_phone_number: "", totp_registration_id: "" }, secondary_auth_initiated: null });
  const ist = created.intermediate_session_token;
  const ids = { organization_id: created.organization.organization_id, member_id: created.member_id };

  // Enroll a phone: invalid number first, then a text with the code.
  await expectError(client.otps.sms.send({ ...ids, mfa_phone_number: "555-0100", intermediate_session_token: ist }), "invalid_phone_number", 400);
  const phone = "+1555" + String(crypto.randomInt(1e7)).padStart(7, "0");
  const sent = await client.otps.sms.send({ ...ids, mfa_phone_number: phone, intermediate_session_token: ist });
  assert.equal(sent.member.mfa_phone_number, phone);
  const texts = await (await fetch(`${base}/emulator/messages?to=${encodeURIComponent(phone)}`)).json();
  assert.equal(texts.messages[0].channel, "sms");
  const code = texts.messages[0].code;
  await expectError(client.otps.sms.authenticate({ ...ids, code: code === "000000" ? "111111" : "000000", intermediate_session_token: ist }), "otp_code_not_found", 404);
  const smsAuth = await client.otps.sms.authenticate({ ...ids, code, intermediate_session_token: ist });
  assert.ok(smsAuth.session_token);
  assert.equal(smsAuth.member.mfa_phone_number_verified, true);
  assert.deepEqual(smsAuth.member_session.authentication_factors.map((f) => f.type), ["magic_link", "otp"]);
  await expectError(client.otps.sms.authenticate({ ...ids, code, session_token: smsAuth.session_token }), "unable_to_auth_otp_code", 401);

  // Add an authenticator app with the SMS-proven session.
  const reg = await client.totps.create({ ...ids, session_token: smsAuth.session_token });
  assert.match(reg.qr_code, /^data:image\/png;base64,/);
  assert.equal(reg.secret.length, 32);
  assert.equal(reg.recovery_codes.length, 10);
  const totpAuth = await client.totps.authenticate({ ...ids, code: totp(reg.secret, Date.now() / 1000), session_token: smsAuth.session_token });
  assert.equal(totpAuth.member.totp_registration_id, reg.totp_registration_id);
  await expectError(client.totps.create({ ...ids, session_token: smsAuth.session_token }), "active_totp_exists", 400);
  const rec = await client.recoveryCodes.recover({ ...ids, recovery_code: reg.recovery_codes[0], session_token: smsAuth.session_token });
  assert.equal(rec.recovery_codes_remaining, 9);
  await expectError(client.recoveryCodes.recover({ ...ids, recovery_code: reg.recovery_codes[0], session_token: smsAuth.session_token }), "invalid_recovery_code", 401);

  // recovery_codes.get shows the unused codes; rotate replaces them all.
  if (!process.env.BROKER) {
    const got = await client.recoveryCodes.get(ids);
    assert.deepEqual(got.recovery_codes, reg.recovery_codes.slice(1), "recoveryCodes.get: the nine unused codes");
    assert.equal(got.member.member_id, ids.member_id);
    const rotated = await client.recoveryCodes.rotate(ids);
    assert.equal(rotated.recovery_codes.length, 10);
    assert.ok(!rotated.recovery_codes.includes(reg.recovery_codes[1]), "rotate replaces every code");
    await expectError(client.recoveryCodes.recover({ ...ids, recovery_code: reg.recovery_codes[1], session_token: smsAuth.session_token }), "invalid_recovery_code", 401);
    assert.deepEqual((await client.recoveryCodes.get(ids)).recovery_codes, rotated.recovery_codes);
  }

  // Switching: not a member of the first check's org; a member of this one.
  await expectError(client.sessions.exchange({ organization_id: plainOrgID, session_token: smsAuth.session_token }), "member_not_found", 404);
  const again = await client.sessions.exchange({ organization_id: ids.organization_id, session_token: smsAuth.session_token });
  assert.equal(again.member_authenticated, true);
}

// rbacChecks: the project's policy, the creator's roles, and
// sessions.authenticate's authorization_check (verdict, or 403).
async function rbacChecks(created) {
  const orgID = created.organization.organization_id;
  const { policy } = await client.rbac.policy();
  const adminRole = policy.roles.find((r) => r.role_id === "stytch_admin");
  const memberRole = policy.roles.find((r) => r.role_id === "stytch_member");
  assert.deepEqual(adminRole.permissions.map((p) => p.resource_id).sort(), ["stytch.member", "stytch.organization", "stytch.scim", "stytch.sso"]);
  assert.deepEqual(memberRole.permissions, [{ resource_id: "stytch.self", actions: ["*"] }]);
  assert.ok(policy.resources.find((r) => r.resource_id === "stytch.member").actions.includes("update.settings.roles"));
  assert.deepEqual(policy.scopes, []);

  const token = created.session_token;
  const plain = await client.sessions.authenticate({ session_token: token });
  assert.deepEqual(plain.member_session.roles, ["stytch_member", "stytch_admin"]);
  assert.equal(plain.verdict, null, "no check, verdict null");
  const ok = await client.sessions.authenticate({ session_token: token,
    authorization_check: { organization_id: orgID, resource_id: "stytch.member", action: "delete" } });
  assert.deepEqual(ok.verdict, { authorized: true, granting_roles: ["stytch_admin"] });
  await expectError(client.sessions.authenticate({ session_token: token,
    authorization_check: { organization_id: orgID, resource_id: "documents", action: "read" } }), "session_authorization_error", 403);
  await expectError(client.sessions.authenticate({ session_token: token,
    authorization_check: { organization_id: "organization-test-00000000-0000-4000-8000-000000000000", resource_id: "stytch.self", action: "delete" } }),
    "session_authorization_tenancy_error", 403);
}

const publicToken = process.env.PUBLIC_TOKEN;
const redirect = "stytch-desktop://auth/callback";

// browserRoundTrip plays the user's browser: GET the start URL (302 to the
// local identity-provider page), read the page's request id, choose email,
// and return the callback URL the page redirects to.
async function browserRoundTrip(startPath, params, email) {
  const u = new URL(base + startPath);
  for (const [k, v] of Object.entries({ public_token: publicToken, ...params })) u.searchParams.set(k, v);
  const start = await fetch(u, { redirect: "manual" });
  assert.equal(start.status, 302, `start ${startPath}: ${await start.text()}`);
  const page = await fetch(new URL(start.headers.get("location"), base));
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Local stand-in/);
  const request = /name="request" value="([^"]+)"/.exec(html)[1];
  const done = await fetch(base + "/emulator/idp", {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request, email, action: "continue" }),
  });
  assert.equal(done.status, 303);
  const cb = new URL(done.headers.get("location"));
  assert.equal(cb.protocol + "//" + cb.host + cb.pathname, redirect);
  return cb;
}

async function expectError(promise, type, status) {
  try {
    await promise;
    assert.fail(`expected ${type}`);
  } catch (err) {
    assert.equal(err.error_type, type, String(err));
    assert.equal(err.status_code, status);
  }
}

async function roundTrips() {
  const demo = "demo@example.com";
  // OAuth discovery (Google) → IST → organization list.
  let p = pkce();
  let cb = await browserRoundTrip("/v1/b2b/public/oauth/google/discovery/start",
    { discovery_redirect_url: redirect, pkce_code_challenge: p.challenge }, demo);
  assert.equal(cb.searchParams.get("stytch_token_type"), "discovery_oauth");
  const disc = await client.oauth.discovery.authenticate({
    discovery_oauth_token: cb.searchParams.get("token"), pkce_code_verifier: p.verifier });
  assert.equal(disc.email_address, demo);
  assert.equal(disc.provider_type, "Google");
  const bySlug = Object.fromEntries(disc.discovered_organizations.map((d) => [d.organization.organization_slug, d]));
  assert.equal(bySlug.initech.membership.type, "eligible_to_join_by_oauth_tenant");
  assert.deepEqual(bySlug.umbrella.primary_required.allowed_auth_methods, ["sso"]);
  await expectError(client.oauth.discovery.authenticate({
    discovery_oauth_token: cb.searchParams.get("token"), pkce_code_verifier: p.verifier }), "oauth_token_not_found", 404);

  // Exchange into the SSO-only org: 200, not done yet, same IST.
  const x = await client.discovery.intermediateSessions.exchange({
    intermediate_session_token: disc.intermediate_session_token, organization_id: "umbrella" });
  assert.equal(x.member_authenticated, false);
  assert.equal(x.intermediate_session_token, disc.intermediate_session_token);
  assert.deepEqual(x.primary_required.allowed_auth_methods, ["sso"]);

  // SSO at its default connection, with the IST.
  const umbrella = bySlug.umbrella.organization;
  assert.ok(umbrella.sso_default_connection_id);
  p = pkce();
  cb = await browserRoundTrip("/v1/public/sso/start", { organization_id: umbrella.organization_id,
    login_redirect_url: redirect, signup_redirect_url: redirect, pkce_code_challenge: p.challenge }, demo);
  assert.equal(cb.searchParams.get("stytch_token_type"), "sso");
  const ssoToken = cb.searchParams.get("token");
  await expectError(client.sso.authenticate({ sso_token: ssoToken, pkce_code_verifier: pkce().verifier }), "pkce_mismatch", 400);
  const s = await client.sso.authenticate({ sso_token: ssoToken, pkce_code_verifier: p.verifier,
    intermediate_session_token: disc.intermediate_session_token, session_duration_minutes: 30 });
  assert.equal(s.member_authenticated, true);
  assert.equal(s.organization_id, umbrella.organization_id);
  assert.deepEqual(s.member_session.authentication_factors.map((f) => f.type).sort(), ["oauth", "sso"]);
  await expectError(client.sso.authenticate({ sso_token: ssoToken, pkce_code_verifier: p.verifier }), "sso_token_not_found", 404);

  // Organization OAuth (Microsoft) into northwind.
  p = pkce();
  cb = await browserRoundTrip("/v1/b2b/public/oauth/microsoft/start",
    { slug: "northwind", login_redirect_url: redirect, signup_redirect_url: redirect, pkce_code_challenge: p.challenge }, demo);
  assert.equal(cb.searchParams.get("stytch_token_type"), "oauth");
  const o = await client.oauth.authenticate({ oauth_token: cb.searchParams.get("token"), pkce_code_verifier: p.verifier });
  assert.equal(o.member_authenticated, true);
  assert.equal(o.provider_type, "Microsoft");
  assert.equal(o.member_session.authentication_factors[0].delivery_method, "oauth_microsoft");

  // A bad public token is refused by the start endpoint.
  const bad = await fetch(`${base}/v1/public/sso/start?public_token=public-token-test-nope&organization_id=umbrella`, { redirect: "manual" });
  assert.equal(bad.status, 404);
  assert.equal((await bad.json()).error_type, "public_token_not_found");
}

main().catch((err) => {
  console.error("node-sdk check: FAILED:", err);
  process.exit(1);
});
