// Runs Stytch's official Node SDK against a running local Stytch emulator:
// discovery send → /emulator/messages → redirect hop → discovery
// authenticate → organizations.create → sessions.authenticate →
// authenticateJwtLocal → revoke (→ session_not_found).
//
// Env: EMULATOR_URL (e.g. http://127.0.0.1:8787), PROJECT_ID, SECRET.
"use strict";
const crypto = require("node:crypto");
const assert = require("node:assert/strict");
const stytch = require("stytch");

const base = (process.env.EMULATOR_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
const client = new stytch.B2BClient({
  project_id: process.env.PROJECT_ID,
  secret: process.env.SECRET,
  // `env` accepts any URL (custom_base_url insists on https://).
  env: base + "/",
});

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
    await client.magicLinks.discovery.authenticate({ discovery_magic_links_token: crypto.randomBytes(33).toString("base64url") });
    assert.fail("unknown token accepted");
  } catch (err) {
    assert.equal(err.error_type, "magic_link_not_found", String(err));
    assert.equal(err.status_code, 404);
  }
  const pkg = JSON.parse(require("node:fs").readFileSync(require.resolve("stytch").replace(/dist[\\/].*$/, "package.json"), "utf8"));
  console.log("node-sdk check: OK (stytch " + pkg.version + ")");
}

main().catch((err) => {
  console.error("node-sdk check: FAILED:", err);
  process.exit(1);
});
