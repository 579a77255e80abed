// Browser end-to-end test of the sign-in flows against `wails dev`: the real
// page, the real Go backend with the in-process local API (E2E_MODE=broker:
// the Stytch broker in front of the standalone local API), links delivered
// through the OS scheme handler and the session in a real keyring.
// Run it with scripts/e2e-browser.sh, which provides that environment.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";
import { DEV_URL, WailsDev, until } from "./lib/dev.js";
import {
  Outbox,
  STEP_MS,
  appLinkFrom,
  keychainKeys,
  newText,
  nextOpenedURL,
  openThroughOS,
  openedURLCount,
  totpCode,
} from "./lib/helpers.js";
import { DESKTOP, PHONE, awaitAppNavigation, launchBrowser, openEmailLink, shownCode } from "./lib/openpage.js";

const ARTIFACTS = process.env.E2E_ARTIFACTS ?? "test-artifacts/browser";
const NEW_EMAIL = `e2e-new-${randomBytes(4).toString("hex")}@startup.test`;
const DEMO = "demo@example.com";
const DEMO_PHONE = "+15555550123"; // demo's verified MFA phone in Fortress Bank (local API seed)
const LINK_EXPIRED = "That sign-in link has expired or was already used. Send yourself a new one.";
const LINK_NOT_FOR_APP =
  "That link isn't for this app or this Stytch project, so it can't sign you in here. Send yourself a new one from here.";

const dev = new WailsDev();
const outbox = new Outbox(() => dev.apiPort());
let context, page, profileDir;
let shot = 0;
const timings = {};

async function screenshot(name) {
  shot++;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

const heading = (name) => page.getByRole("heading", { name, exact: true });
/** Waits (bounded) until the heading of the current screen is `name`. */
async function seeScreen(name) {
  await heading(name).waitFor({ state: "visible", timeout: STEP_MS });
  await unstick(name);
}

// Buttons that are disabled exactly while the backend is busy.
const BUSY_BUTTONS = /^\s*(Use another email|Email me a sign-in link|Sign out|Create an organization)\s*$/;
/**
 * The page must never keep a stale `busy: true` view (call results and
 * "state" events can cross; views carry a sequence number so the page drops
 * the older one). Buttons stuck disabled for 3 s fail the step.
 */
async function unstick(screen) {
  const stuck = page.locator("main button:disabled").filter({ hasText: BUSY_BUTTONS });
  const deadline = Date.now() + 3000;
  while ((await stuck.count()) > 0) {
    if (Date.now() > deadline) throw new Error(`page kept a stale busy view on "${screen}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function seeText(text) {
  await page.getByText(text, { exact: true }).first().waitFor({ state: "visible", timeout: STEP_MS });
}

/** Loads the page and records every heading it ever shows, however briefly. */
async function openApp() {
  await page.goto(DEV_URL, { waitUntil: "domcontentloaded", timeout: STEP_MS });
}

/** Types the address on the sign-in screen, presses Enter and returns the email that arrives. */
async function sendLink(email) {
  await seeScreen("Sign in");
  const seen = await outbox.seen(email);
  await outbox.paceSend(email);
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Work email").press("Enter");
  await seeScreen("Check your email");
  await seeText(email);
  return outbox.newEmail(email, seen);
}

/** The text a control's aria-describedby points to ("" when none). */
async function describedBy(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent.trim() ?? "")
      .join(" "),
  );
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await seeScreen("Sign in");
}

/** A test that leaves a screenshot of what the user saw when it fails. */
function flow(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (err) {
      await screenshot(`FAILED-${name.slice(0, 1)}`).catch(() => {});
      throw err;
    }
  });
}

describe("stytch-desktop in a browser against wails dev", () => {
  before(async () => {
    timings.firstStart = await dev.start();
    profileDir = mkdtempSync(path.join(tmpdir(), "e2e-chromium-"));
    // Debian's Chromium; Playwright never downloads a browser here.
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 520, height: 760 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--password-store=basic",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    // Every h1 text the page ever shows, so a screen that flashes by
    // ("Checking your session…") can still be asserted.
    await page.addInitScript(() => {
      window.__headings = [];
      new MutationObserver(() => {
        for (const h of document.querySelectorAll("h1")) {
          const t = h.textContent.trim();
          if (t && window.__headings.at(-1) !== t) window.__headings.push(t);
        }
      }).observe(document, { childList: true, subtree: true, characterData: true });
      // Issue 22 #3: "Sign out" busy (spinner) although nobody pressed it,
      // e.g. while the app stores the session just after a sign-in.
      window.__signOutBusyUnpressed = 0;
      let pressed = false;
      document.addEventListener("click", (e) => {
        if (e.target instanceof Element && e.target.closest("button")?.textContent.trim() === "Sign out") pressed = true;
      }, true);
      new MutationObserver(() => {
        for (const b of document.querySelectorAll('button[aria-busy="true"]')) {
          if (b.textContent.trim() === "Sign out" && !pressed) window.__signOutBusyUnpressed++;
        }
        if (!document.querySelector('button[aria-busy="true"]')) pressed = false;
      }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
    });
  });

  after(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await dev.stop();
    console.log(`wails dev ready after: first start ${timings.firstStart?.toFixed(1)} s, restart ${timings.restart?.toFixed(1) ?? "-"} s`);
  });

  flow("A. discovery with a new domain, then create an organization", async () => {
    await openApp();
    if (process.env.E2E_MODE === "broker") {
      // Broker mode: no local-mode banner; the app has no secret, only the broker's URL.
      await seeScreen("Sign in");
      assert.equal(await page.getByRole("complementary", { name: "Local mode" }).count(), 0, "no local-mode banner in broker mode");
    } else {
      await page.getByRole("complementary", { name: "Local mode" }).waitFor({ timeout: STEP_MS });
      await seeText("Local Stytch-compatible API — no real email is sent.");
    }

    const email = await sendLink(NEW_EMAIL);
    await screenshot("check-your-email");
    assert.ok(email.link.startsWith(`http://127.0.0.1:${dev.apiPort()}/v1/magic_links/redirect?`), "email link goes to the local API");
    assert.deepEqual(await keychainKeys(), ["pending-flow"], "a pending sign-in survives restarts via the keychain");

    await openThroughOS(await appLinkFrom(email.link));
    // A brand-new domain has no organizations: the empty state offers to create one.
    await seeScreen(`No organizations yet for ${NEW_EMAIL}`);
    await screenshot("no-organizations-yet");

    await page.getByRole("button", { name: "Create an organization" }).click();
    await seeScreen("Create an organization");
    await page.getByLabel("Name", { exact: true }).fill("E2E Startup");
    await until("the suggested slug", async () => (await page.getByLabel("Slug").inputValue()) === "e2e-startup", STEP_MS);
    await screenshot("create-organization");
    await page.getByRole("button", { name: "Create organization", exact: true }).click();

    await seeScreen("You're signed in");
    await seeText("E2E Startup");
    await seeText(NEW_EMAIL);
    if (process.env.E2E_MODE !== "broker") {
      // Local mode runs the example company API beside the local API: the app
      // calls it with the session JWT (in Go) and shows who it says we are.
      await seeText(`Welcome, ${NEW_EMAIL}`);
      await page.getByText(/^Roles: .*stytch_admin/).first().waitFor({ state: "visible", timeout: STEP_MS });
    }
    await screenshot("signed-in-new-org");
    const keys = await keychainKeys();
    assert.ok(keys.includes("session"), `the session is in the keychain (keys: ${keys})`);
    assert.ok(!keys.includes("pending-flow"), `the finished sign-in's pending flow is gone (keys: ${keys})`);
  });

  flow("B. the session survives a restart of the app; sign out clears it", async () => {
    // Off the page first: the Wails runtime reloads a connected page when its
    // dev server comes back, which would race our own navigation.
    await page.goto("about:blank");
    await dev.stop();
    timings.restart = await dev.start();
    await openApp();
    await seeScreen("You're signed in");
    const seenHeadings = await page.evaluate(() => window.__headings);
    // The first view comes with the page (/first-view.js): the stored session
    // is the first screen painted, with no "Checking your session…" before it.
    assert.equal(seenHeadings[0], "You're signed in", `first screen after a restart; saw ${JSON.stringify(seenHeadings)}`);
    assert.ok(!seenHeadings.includes("Checking your session…"), `no placeholder screen; saw ${JSON.stringify(seenHeadings)}`);
    await seeText("E2E Startup");
    await seeText(NEW_EMAIL);
    await screenshot("signed-in-after-restart");

    await signOut();
    assert.equal(await page.getByLabel("Work email").inputValue(), NEW_EMAIL, "the address stays pre-filled");
    await screenshot("signed-out");
    assert.deepEqual(await keychainKeys(), [], "sign out removes the session from the keychain");
  });

  let usedAppLink = "";
  let usedLinkNotice = "";
  flow("C. choose an existing organization from the list", async () => {
    const email = await sendLink(DEMO);
    usedAppLink = await appLinkFrom(email.link);
    await openThroughOS(usedAppLink);
    await seeScreen("Choose an organization");
    for (const name of ["Continue to Northwind Traders", "Accept invitation to Acme Corp", "Join Example Co", "Continue to Fortress Bank"]) {
      await page.getByRole("button", { name, exact: true }).waitFor({ timeout: STEP_MS });
    }
    await seeText("Requires extra verification"); // Fortress Bank needs MFA
    // The note is announced with Fortress Bank's button (its accessible description).
    const fortress = page.getByRole("button", { name: "Continue to Fortress Bank", exact: true });
    assert.equal(await describedBy(fortress), "Requires extra verification");
    assert.equal(await describedBy(page.getByRole("button", { name: "Continue to Northwind Traders", exact: true })), "");
    await screenshot("choose-organization");

    // A taken slug (seeded Acme Corp has "acme") keeps the form, the typed
    // name, and puts the error at the focused slug field.
    await page.getByRole("button", { name: "Create an organization" }).click();
    await seeScreen("Create an organization");
    await page.getByLabel("Name", { exact: true }).fill("Acme");
    await until("the suggested slug", async () => (await page.getByLabel("Slug").inputValue()) === "acme", STEP_MS);
    await page.getByRole("button", { name: "Create organization", exact: true }).click();
    await seeText("That URL slug is taken — try another");
    await seeScreen("Create an organization");
    assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Acme", "the typed name is kept");
    assert.equal(await page.getByLabel("Slug").inputValue(), "acme", "the typed slug is kept");
    assert.equal(await page.getByLabel("Slug").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "org-slug", "the slug field has focus");
    assert.equal(await page.getByRole("alert").count(), 0, "the error is at the field, not in a banner");
    await screenshot("slug-taken");
    await page.getByRole("button", { name: "Back", exact: true }).click();
    await seeScreen("Choose an organization");

    await page.getByRole("button", { name: "Continue to Northwind Traders", exact: true }).click();
    await seeScreen("You're signed in");
    await seeText("Northwind Traders");
    await seeText(DEMO);
    await screenshot("signed-in-northwind");
    await signOut();
  });

  flow("D. an already-used link while a new sign-in is pending", async () => {
    assert.ok(usedAppLink, "part C produced a used link");
    await sendLink(DEMO);
    await openThroughOS(usedAppLink);
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: STEP_MS });
    usedLinkNotice = (await alert.locator("p").first().textContent()).trim();
    // Still waiting for the new link: the notice explains, nothing crashed.
    await seeScreen("Check your email");
    await seeText(DEMO);
    await screenshot("used-link");
  });

  test("D2. the used link reads as expired", () => {
    assert.equal(usedLinkNotice, LINK_EXPIRED);
  });

  flow("D3. a link from another Stytch project says so", async () => {
    // Our link with a token this project never issued: Stytch answers 404 magic_link_not_found.
    const foreign = new URL(usedAppLink);
    foreign.searchParams.set("token", "another-project-token-0123456789abcdefghijk=");
    await page.getByRole("button", { name: "Dismiss message" }).click();
    await page.getByRole("alert").waitFor({ state: "detached", timeout: STEP_MS });
    await openThroughOS(foreign.toString());
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: STEP_MS });
    assert.equal((await alert.locator("p").first().textContent()).trim(), LINK_NOT_FOR_APP);
    await seeScreen("Check your email");
  });

  flow("E. a link pasted into the app", async () => {
    await page.getByRole("button", { name: "Use another email" }).click();
    const email = await sendLink(DEMO);
    await page.getByText("Link not opening? Paste it here", { exact: true }).click();
    await page.getByLabel("Sign-in link").fill(email.link);
    await page.getByRole("button", { name: "Sign in with this link" }).click();
    await seeScreen("Choose an organization");
    await page.getByRole("button", { name: "Continue to Northwind Traders", exact: true }).waitFor({ timeout: STEP_MS });
    await screenshot("pasted-link-organizations");
  });

  /**
   * The user in the system browser the app opened: the local identity-provider
   * page loads in a second tab, the user continues as `email`, and the page's
   * redirect to stytch-desktop:// goes to the OS like a real browser's (a
   * headless Chromium can't hand a custom scheme to the desktop itself).
   */
  async function signInInBrowser(startURL, email, shotName) {
    assert.ok(startURL.startsWith(`http://127.0.0.1:${dev.apiPort()}/`), `the browser opens the local API: ${startURL.split("?")[0]}`);
    const tab = await context.newPage();
    try {
      let appLink = "";
      await tab.route("**/emulator/idp", async (route) => {
        const res = await route.fetch({ maxRedirects: 0 });
        appLink = res.headers()["location"] ?? "";
        await route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Back to the app</title><p>Returning to stytch-desktop…</p>" });
      });
      await tab.goto(startURL, { waitUntil: "domcontentloaded", timeout: STEP_MS });
      await tab.getByText("Local stand-in.").waitFor({ timeout: STEP_MS });
      await tab.getByLabel("Or use another email address").fill(email);
      await tab.screenshot({ path: path.join(ARTIFACTS, `${String(++shot).padStart(2, "0")}-${shotName}.png`), fullPage: true });
      await tab.getByRole("button", { name: "Continue" }).click();
      await until("the identity provider's redirect", async () => appLink, STEP_MS);
      assert.match(appLink, /^stytch-desktop:\/\/auth\/callback\?/);
      await openThroughOS(appLink);
      return appLink;
    } finally {
      await tab.close();
    }
  }

  flow("F. Continue with Google: the local identity provider, back through the OS, the organization list", async () => {
    await page.goto(DEV_URL, { waitUntil: "domcontentloaded", timeout: STEP_MS });
    if (await heading("Choose an organization").isVisible()) {
      await page.getByRole("button", { name: "Use another email" }).click();
    }
    await seeScreen("Sign in");
    await page.getByRole("button", { name: "Continue with Microsoft" }).waitFor({ timeout: STEP_MS });
    await screenshot("sign-in-with-providers");
    const before = await openedURLCount();
    // Issue 22 #1: from an empty, focused email field, a real mouse press and
    // release on the button (not a keyboard or programmatic click). Leaving
    // the field used to show its error above the buttons on the press, which
    // moved them ~23 px down before the release: the click was lost.
    const field = page.getByLabel("Work email");
    await field.fill("");
    await field.click();
    const google = page.getByRole("button", { name: "Continue with Google" });
    const box = await google.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await new Promise((r) => setTimeout(r, 150)); // a person's press lasts this long
    const held = await google.boundingBox();
    assert.equal(held.y, box.y, "the button stays under the pointer while it is pressed");
    assert.equal(await page.getByText("Enter your work email address.").count(), 0, "no error about the unused email field");
    await page.mouse.up();
    await seeScreen("Continue with Google");
    await seeText("Browser didn't bring you back? Paste the link here");
    await screenshot("browser-open-google");
    const start = await nextOpenedURL(before);
    assert.ok(start.includes("/v1/b2b/public/oauth/google/discovery/start?"), "OAuth discovery start URL");
    await signInInBrowser(start, DEMO, "local-idp-google");

    await seeScreen("Choose an organization");
    await page.getByRole("button", { name: "Join Initech", exact: true }).waitFor({ timeout: STEP_MS }); // by Google Workspace tenant
    const globex = page.getByRole("button", { name: "Sign in to Globex Corporation with SSO", exact: true });
    await globex.waitFor({ timeout: STEP_MS });
    await globex.scrollIntoViewIfNeeded();
    await screenshot("oauth-organizations");
  });

  flow("G. an SSO-only organization: choose the connection, the identity provider, signed in", async () => {
    await page.getByRole("button", { name: "Sign in to Globex Corporation with SSO", exact: true }).click();
    await seeScreen("Sign in to Globex Corporation");
    await page.getByRole("button", { name: "Sign in with Microsoft Entra ID" }).waitFor({ timeout: STEP_MS });
    await screenshot("choose-sso-connection");
    const before = await openedURLCount();
    await page.getByRole("button", { name: "Sign in with Okta" }).click();
    await seeText("Finish signing in with Okta in the browser window that opened.");
    await screenshot("browser-open-sso");
    const start = await nextOpenedURL(before);
    assert.ok(start.includes("/v1/public/sso/start?"), "SSO start URL");
    await page.evaluate(() => (window.__signOutBusyUnpressed = 0));
    await signInInBrowser(start, DEMO, "local-idp-okta");

    await seeScreen("You're signed in");
    assert.equal(await page.evaluate(() => window.__signOutBusyUnpressed), 0, "Sign out never showed busy after the SSO sign-in");
    await seeText("Globex Corporation");
    await seeText(DEMO);
    await screenshot("signed-in-sso");
    const keys = await keychainKeys();
    assert.ok(keys.includes("session"), `the SSO session is in the keychain (keys: ${keys})`);
    await signOut();
  });

  // Local mode's redirect URL is the local API's /open page (app/openpage).
  flow("H. the email opened on a phone: the code typed into the app signs in", async () => {
    const email = await sendLink(DEMO);
    const other = await launchBrowser();
    try {
      const phone = await openEmailLink(other, PHONE, email.link);
      await phone.page.getByRole("heading", { name: "Your sign-in code" }).waitFor();
      await phone.page.getByText("Type this code into stytch-desktop on your computer").waitFor();
      const code = await shownCode(phone.page);
      await phone.page.screenshot({ path: path.join(ARTIFACTS, "open-page-phone.png") });
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(phone.navigations.filter((u) => !u.startsWith("http")), [], "a phone page never tries to open the app");
      assert.deepEqual(phone.scripts, [], "the page loads no script files (one inline script)");

      await page.getByText("Got a code instead?", { exact: true }).click();
      await page.getByLabel("Sign-in code").fill(code.toLowerCase());
      await screenshot("code-entry");
      await page.getByRole("button", { name: "Sign in with this code" }).click();
      await seeScreen("Choose an organization");
      await page.getByRole("button", { name: "Continue to Northwind Traders", exact: true }).waitFor({ timeout: STEP_MS });
    } finally {
      await other.close();
    }
  });

  flow("I. the email opened on the desktop: the page opens the app through the OS", async () => {
    await page.getByRole("button", { name: "Use another email" }).click();
    const email = await sendLink(DEMO);
    const other = await launchBrowser();
    try {
      const desktop = await openEmailLink(other, DESKTOP, email.link);
      assert.equal(await desktop.page.title(), "Opening stytch-desktop… · stytch-desktop");
      const appLink = await awaitAppNavigation(desktop.navigations);
      assert.equal(await desktop.page.locator("#open").getAttribute("href"), appLink, "it opens the Try again link");
      const shown = await desktop.page.locator("body").innerText();
      assert.ok(!shown.includes(new URL(appLink).searchParams.get("token")), "the page never shows the token");
      await desktop.page.screenshot({ path: path.join(ARTIFACTS, "open-page-desktop.png") });
      // Headless Chromium has no OS handler to call: hand the link over as the browser would.
      await openThroughOS(appLink);
      await seeScreen("Choose an organization");
      // The app did not take the focus here: the page offers the code.
      await desktop.page.getByText("Didn't open? Use the code below or try again.").waitFor();
      await desktop.page.screenshot({ path: path.join(ARTIFACTS, "open-page-desktop-not-opened.png") });
    } finally {
      await other.close();
    }
  });

  /** Enters the 6-digit code and presses the button. */
  async function enterCode(label, code, button = "Verify") {
    await page.getByLabel(label, { exact: true }).fill(code);
    await page.getByRole("button", { name: button, exact: true }).click();
  }

  async function switchTo(name) {
    await page.getByRole("button", { name: "Switch organization…" }).click();
    await page.getByRole("button", { name: `Switch to ${name}`, exact: true }).click();
  }

  flow("J. MFA by text message: the code read from the outbox", async () => {
    const seen = new Set((await outbox.messages(DEMO_PHONE)).map((m) => m.id));
    await page.getByRole("button", { name: "Continue to Fortress Bank", exact: true }).click();
    await seeScreen("Enter the code we texted you");
    await seeText("0123"); // the masked number's last digits
    const code = await newText(outbox, DEMO_PHONE, seen);
    await screenshot("mfa-text-message");
    await enterCode("6-digit code", code === "000000" ? "111111" : "000000");
    await page.getByRole("alert").waitFor({ timeout: STEP_MS });
    await seeText("That code isn't right. Check it and type it again.");
    await enterCode("6-digit code", code);
    await seeScreen("You're signed in");
    await seeText("Fortress Bank");
  });

  let totpSecret = "";
  let backupCodes = [];
  let enrolledCode = "";
  flow("K. switch organizations: into a TOTP-only one (set up an authenticator app), and back", async () => {
    await page.getByRole("button", { name: "Switch organization…" }).click();
    await page.getByRole("button", { name: "Switch to Vault Labs", exact: true }).waitFor({ timeout: STEP_MS });
    await page.getByRole("button", { name: "Accept invitation to Acme Corp", exact: true }).waitFor({ timeout: STEP_MS });
    await screenshot("switch-organization");
    await page.getByRole("button", { name: "Switch to Vault Labs", exact: true }).click();
    await seeScreen("Set up your authenticator app");
    await page.getByRole("img", { name: /QR code/ }).waitFor({ timeout: STEP_MS });
    totpSecret = (await page.getByLabel("Setup key").textContent()).replace(/\s/g, "");
    assert.match(totpSecret, /^[A-Z2-7]{32}$/, "the setup key is a 32-character base32 secret");
    await screenshot("mfa-authenticator-setup");
    enrolledCode = await totpCode(totpSecret);
    await enterCode("6-digit code from the app", enrolledCode, "Verify and continue");
    await seeScreen("Save your backup codes");
    backupCodes = await page.getByRole("list", { name: "Backup codes" }).locator("li").allTextContents();
    backupCodes = backupCodes.map((c) => c.trim());
    assert.equal(backupCodes.length, 10);
    assert.ok(backupCodes.every((c) => /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(c)), "backup codes look like xxxx-xxxx-xxxx");
    const cont = page.getByRole("button", { name: "Continue", exact: true });
    assert.ok(await cont.isDisabled(), "Continue waits for the confirmation");
    await screenshot("mfa-backup-codes");
    // Issue 22 #4: the checkbox sits next to its label's text at every width
    // (a full-width checkbox put the text at the far side of the row).
    const box = page.getByRole("checkbox", { name: "I saved these codes somewhere safe" });
    for (const width of [320, 420, 520, 800, 1280]) {
      await page.setViewportSize({ width, height: 760 });
      const gap = await box.evaluate((el) => {
        const text = [...el.parentElement.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
        const range = document.createRange();
        range.selectNodeContents(text);
        const t = range.getClientRects()[0];
        const b = el.getBoundingClientRect();
        return { x: t.left - b.right, overlapY: Math.min(b.bottom, t.bottom) - Math.max(b.top, t.top), w: b.width };
      });
      assert.ok(gap.x >= 0 && gap.x <= 16, `at ${width} px the label's text starts ${gap.x.toFixed(0)} px after the checkbox (want 0-16)`);
      assert.ok(gap.overlapY > 0, `at ${width} px the checkbox and its label's first line share a row`);
      assert.ok(gap.w <= 32, `at ${width} px the checkbox is ${gap.w.toFixed(0)} px wide`);
    }
    await page.setViewportSize({ width: 520, height: 760 });
    await box.check();
    await cont.click();
    await seeScreen("You're signed in");
    await seeText("Vault Labs");

    // And back to Fortress Bank: its text-message step again. The local API
    // (like Stytch) sends one text per number per second, and the steps above
    // can take less than that since part J's text: keep to the rule, as a
    // person would without trying.
    const seen = new Set((await outbox.messages(DEMO_PHONE)).map((m) => m.id));
    await new Promise((r) => setTimeout(r, 1100));
    await switchTo("Fortress Bank");
    await seeScreen("Enter the code we texted you");
    await enterCode("6-digit code", await newText(outbox, DEMO_PHONE, seen));
    await seeScreen("You're signed in");
    await seeText("Fortress Bank");
    await signOut();
  });

  flow("L. a later sign-in with the authenticator app, then with a backup code", async () => {
    const signInTo = async (name) => {
      const email = await sendLink(DEMO);
      await openThroughOS(await appLinkFrom(email.link));
      await seeScreen("Choose an organization");
      await page.getByRole("button", { name: `Continue to ${name}`, exact: true }).click();
    };
    await signInTo("Vault Labs");
    await seeScreen("Enter the code from your authenticator app");
    await screenshot("mfa-authenticator-code");
    // Each code is accepted once: wait for the app's next code if need be.
    let code = await totpCode(totpSecret);
    await until("a code other than the one used at setup", async () => {
      code = await totpCode(totpSecret);
      return code !== enrolledCode;
    }, 35_000);
    await enterCode("6-digit code", code);
    await seeScreen("You're signed in");
    await seeText("Vault Labs");
    await signOut();

    await signInTo("Vault Labs");
    await seeScreen("Enter the code from your authenticator app");
    await page.getByRole("button", { name: "Use a backup code" }).click();
    await seeScreen("Use a backup code");
    await screenshot("mfa-backup-code");
    await page.getByLabel("Backup code").fill(backupCodes[0]);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await seeScreen("You're signed in");
    await seeText("Vault Labs");
    await page.getByText(/9\s+backup codes are\s+left/).waitFor({ timeout: STEP_MS });
    await screenshot("signed-in-backup-code");
  });

  flow("M. enrollment by text message in an organization that lets the member choose", async () => {
    await switchTo("Harbor Health");
    await seeScreen("Set up two-step verification");
    await screenshot("mfa-choose-method");
    await page.getByRole("button", { name: /Text message/ }).click();
    await seeScreen("Add a phone number");
    await page.getByLabel("Mobile number").fill("555 0199");
    await page.getByRole("button", { name: "Text me a code" }).click();
    await seeText("Start with + and the country code, like +1 555 555 0123.");
    const phone = "+15555550199";
    const seen = new Set((await outbox.messages(phone)).map((m) => m.id));
    await page.getByLabel("Mobile number").fill("+1 555 555 0199");
    await screenshot("mfa-add-phone");
    await page.getByRole("button", { name: "Text me a code" }).click();
    await seeScreen("Confirm your phone number");
    await enterCode("6-digit code", await newText(outbox, phone, seen));
    await seeScreen("You're signed in");
    await seeText("Harbor Health");
    await signOut();
  });
});
