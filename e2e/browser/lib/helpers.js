// What the flows need besides the page: the local API's outbox, handing a
// link to the OS, and the keychain. Everything waits with a bound.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { until } from "./dev.js";

const run = promisify(execFile);

/** How long any single expectation may take. */
export const STEP_MS = 15_000;

export class Outbox {
  /** @param {() => number} port the local API's current port */
  constructor(port) {
    this.port = port;
    this.lastSend = new Map();
  }

  async messages(to) {
    const res = await fetch(`http://127.0.0.1:${this.port()}/emulator/messages`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET /emulator/messages: HTTP ${res.status}`);
    const { messages } = await res.json();
    return messages.filter((m) => m.to === to);
  }

  /** IDs already in the outbox for `to`, so the next email can be told apart. */
  async seen(to) {
    return new Set((await this.messages(to)).map((m) => m.id));
  }

  /** The local API sends one email per second per address: keep sends to one address 1.1 s apart. */
  async paceSend(to) {
    const last = this.lastSend.get(to) ?? 0;
    const wait = last + 1100 - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastSend.set(to, Date.now());
  }

  /** The newest email for `to` that isn't in `seen`. */
  async newEmail(to, seen) {
    return until(`a new email to ${to}`, async () => {
      const fresh = (await this.messages(to)).filter((m) => !seen.has(m.id));
      return fresh[0]; // newest first
    }, STEP_MS);
  }
}

/**
 * Follows an email's http link as a mail client's browser would and returns
 * the app link it leads to: the redirect hop goes to local mode's /open page,
 * whose Open button is the stytch-desktop:// link (the page's own script opens
 * it at once; the desktop-page test checks that in Chromium).
 */
export async function appLinkFrom(emailLink) {
  const res = await fetch(emailLink, { redirect: "manual", signal: AbortSignal.timeout(5000) });
  let location = res.headers.get("location") ?? "";
  if (res.status === 302 && /^http:\/\/127\.0\.0\.1:\d+\/open\?/.test(location)) {
    const page = await fetch(location, { headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)" }, signal: AbortSignal.timeout(5000) });
    const m = /id="open" href="([^"]+)"/.exec(await page.text());
    location = m ? m[1].replaceAll("&amp;", "&") : "";
  }
  if (res.status !== 302 || !location.startsWith("stytch-desktop://")) {
    throw new Error(`email link answered HTTP ${res.status}, leading to scheme ${location.split(":")[0] || "(none)"}; want stytch-desktop://`);
  }
  return location;
}

/** Opens a link the way a browser hands it to the desktop: through the registered scheme handler. */
export async function openThroughOS(url) {
  await run("gio", ["open", url], { env: process.env, timeout: STEP_MS });
}

/**
 * The keychain items of the local-mode service, as their `username`
 * attributes (go-keyring's key). Secrets are never read out of the output.
 */
export async function keychainKeys() {
  let out = "";
  try {
    const r = await run("secret-tool", ["search", "--all", "service", process.env.E2E_KEYCHAIN_SERVICE ?? "stytch-desktop-local"], { timeout: 10_000 });
    out = r.stdout + r.stderr;
  } catch (err) {
    // No match: secret-tool may exit non-zero with nothing printed.
    out = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    if (err.killed) throw new Error("secret-tool search timed out");
  }
  return out
    .split("\n")
    .filter((l) => !/^\s*secret\s*=/.test(l))
    .map((l) => /^\s*attribute\.username\s*=\s*(\S+)/.exec(l)?.[1])
    .filter(Boolean)
    .sort();
}

/**
 * The URLs the app opened in the "system browser" (scripts/e2e-browser.sh
 * registers a recorder as the http handler); waits for the next one after
 * `count` were seen.
 */
export async function nextOpenedURL(count) {
  const file = process.env.E2E_OPENED_URLS;
  if (!file) throw new Error("E2E_OPENED_URLS is not set (run through scripts/e2e-browser.sh)");
  const { readFile } = await import("node:fs/promises");
  const lines = async () => (await readFile(file, "utf8")).split("\n").filter(Boolean);
  return until(`the app to open the browser (URL #${count + 1})`, async () => (await lines())[count], STEP_MS);
}

export async function openedURLCount() {
  const file = process.env.E2E_OPENED_URLS;
  const { readFile } = await import("node:fs/promises");
  return (await readFile(file, "utf8")).split("\n").filter(Boolean).length;
}

/** The newest text message to `phone` in the outbox that isn't in `seen` (its 6-digit code). */
export async function newText(outbox, phone, seen) {
  const msg = await until(`a new text to ${phone}`, async () => {
    const fresh = (await outbox.messages(phone)).filter((m) => m.channel === "sms" && !seen.has(m.id));
    return fresh[0];
  }, STEP_MS);
  if (!/^\d{6}$/.test(msg.code ?? "")) throw new Error("the text carries no 6-digit code");
  return msg.code;
}

/** RFC 6238 (SHA-1, 6 digits, 30 s) code of a base32 secret at unix time `t`, as an authenticator app computes it. */
export async function totpCode(secretBase32, t = Date.now() / 1000) {
  const { createHmac } = await import("node:crypto");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/[\s=]/g, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error("the setup key is not base32");
    bits += v.toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac("sha1", key).update(msg).digest();
  const off = h[h.length - 1] & 15;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
