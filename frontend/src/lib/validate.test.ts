import { describe, expect, it } from "vitest";
import {
  initials,
  safeImageUrl,
  safeQrDataUri,
  suggestSlug,
  validateEmail,
  validateOrgName,
  validatePhone,
  validateSlug,
} from "./validate";

describe("validateEmail", () => {
  const long = `${"a".repeat(243)}@example.com`; // 255 characters
  it.each([
    ["ada@example.com", true],
    ["  ada@example.com  ", true], // surrounding spaces are trimmed before checking and sending
    ["first.last+tag@sub.example.co.uk", true],
    ["ada@localhost.test", true],
    [`${"a".repeat(242)}@example.com`, true], // exactly 254
    ["", false],
    ["   ", false],
    ["ada", false],
    ["ada@", false],
    ["@example.com", false],
    ["ada@example", false],
    ["ada@example.", false],
    ["ada@@example.com", false],
    ["ada @example.com", false],
    ["ada@exa mple.com", false],
    [long, false],
  ])("%j valid=%s", (email, valid) => {
    expect(validateEmail(email) === "").toBe(valid);
  });

  it("explains what is wrong", () => {
    expect(validateEmail("")).toMatch(/enter your work email/i);
    expect(validateEmail("ada")).toMatch(/name@company\.com/);
    expect(validateEmail(long)).toMatch(/254/);
  });
});

describe("suggestSlug", () => {
  it.each([
    ["Acme Corp", "acme-corp"],
    ["  Acme   Corp  ", "acme-corp"],
    ["Café Crème GmbH", "cafe-creme-gmbh"],
    ["ACME", "acme"],
    ["R&D / Labs!", "r-d-labs"],
    ["O'Reilly Media", "o-reilly-media"],
    ["web3.0 co", "web3-0-co"],
    ["---", ""],
    ["", ""],
    ["日本", ""],
    ["X", ""], // too short to be a valid slug
    ["Xy", "xy"],
    ["a".repeat(200), "a".repeat(128)],
    [`${"a".repeat(127)} b`, "a".repeat(127)], // no trailing "-" after truncation
  ])("%j → %j", (name, slug) => {
    expect(suggestSlug(name)).toBe(slug);
  });

  it("always suggests something validateSlug accepts when it is long enough", () => {
    for (const name of ["Acme Corp", "Café Crème", "R&D / Labs!", "x".repeat(300)]) {
      expect(validateSlug(suggestSlug(name))).toBe("");
    }
  });
});

describe("validateSlug", () => {
  it.each([
    ["ab", true],
    ["acme-corp", true],
    ["a.b_c~d-e", true],
    ["0123", true],
    ["a".repeat(128), true],
    ["a", false],
    ["", false],
    ["a".repeat(129), false],
    ["Acme", false],
    ["acme corp", false],
    ["acme/corp", false],
    ["café", false],
  ])("%j valid=%s", (slug, valid) => {
    expect(validateSlug(slug) === "").toBe(valid);
  });
});

describe("validateOrgName", () => {
  it.each([
    ["A", true],
    ["Acme Corp", true],
    ["x".repeat(128), true],
    ["", false],
    ["   ", false],
    ["x".repeat(129), false],
  ])("%j valid=%s", (name, valid) => {
    expect(validateOrgName(name) === "").toBe(valid);
  });
});

describe("initials", () => {
  it.each([
    ["Acme Corp", "AC"],
    ["globex", "G"],
    ["Umbrella Labs International", "UI"],
    ["", "?"],
  ])("%j → %j", (name, want) => {
    expect(initials(name)).toBe(want);
  });
});

describe("safeImageUrl", () => {
  it.each([
    ["https://cdn.example.com/logo.png", "https://cdn.example.com/logo.png"],
    ["http://127.0.0.1:8080/logo.png", "http://127.0.0.1:8080/logo.png"],
    ["javascript:alert(1)", ""],
    ["data:image/svg+xml,<svg/>", ""],
    ["not a url", ""],
    ["", ""],
    [undefined, ""],
  ])("%j → %j", (raw, want) => {
    expect(safeImageUrl(raw)).toBe(want);
  });
});

describe("validatePhone (same rule as Go's NormalizePhone)", () => {
  it.each(["+15555550123", "+1 (555) 555-0123", " +44 7700 900123 ", "+33.1.23.45.67.89"])("accepts %s", (p) => {
    expect(validatePhone(p)).toBe("");
  });
  it.each(["", "5555550123", "+0123456789", "+1 555", "+1555555012345678", "+1 555 CALL NOW"])("rejects %s", (p) => {
    expect(validatePhone(p)).not.toBe("");
  });
});

describe("safeQrDataUri", () => {
  it("keeps only PNG data URIs", () => {
    expect(safeQrDataUri("data:image/png;base64,iVBORw0KGgo=")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(safeQrDataUri("data:image/svg+xml;base64,PHN2Zz4=")).toBe("");
    expect(safeQrDataUri("https://example.com/qr.png")).toBe("");
    expect(safeQrDataUri(undefined)).toBe("");
  });
});
