import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { DemoBackend } from "./lib/demo";
import { sampleView } from "./lib/samples";
import { normalizeCode } from "./lib/code";
import type { View } from "./lib/types";

function setup(view: View) {
  const backend = new DemoBackend(view);
  const user = userEvent.setup();
  render(App, { props: { backend } });
  return { backend, user };
}

const calls = (b: DemoBackend, method: string) => b.calls.filter((c) => c[0] === method);

describe("Got a code instead?", () => {
  it("is offered only when the backend says codes are in use", async () => {
    setup(sampleView("link_sent"));
    await screen.findByRole("heading", { name: "Check your email" });
    expect(screen.queryByText("Got a code instead?")).toBeNull();
  });

  it("takes the code as typed (any case, with or without the dash) and sends it once, canonical", async () => {
    const { backend, user } = setup({ ...sampleView("link_sent"), codeEntry: true });
    await user.click(await screen.findByText("Got a code instead?"));
    const box = screen.getByLabelText("Sign-in code");
    expect(box).toHaveAccessibleDescription(/8-character code/);
    const submit = screen.getByRole("button", { name: "Sign in with this code" });
    expect(submit).toBeDisabled();
    await user.type(box, "abcd efg");
    expect(submit).toBeDisabled(); // 7 characters
    await user.type(box, "h{Enter}");
    expect(calls(backend, "RedeemCode")).toEqual([["RedeemCode", "ABCDEFGH"]]);
    expect(await screen.findByRole("heading", { name: "Choose an organization" })).toBeInTheDocument();
  });

  it("keeps characters people confuse out, and says why a refused code failed", async () => {
    const { backend, user } = setup({ ...sampleView("link_sent"), codeEntry: true });
    await user.click(await screen.findByText("Got a code instead?"));
    await user.type(screen.getByLabelText("Sign-in code"), "ABCD-EFG0");
    expect(screen.getByRole("button", { name: "Sign in with this code" })).toBeDisabled();
    expect(calls(backend, "RedeemCode")).toEqual([]);
  });

  it("shows code_invalid with the box open again", async () => {
    setup({ ...sampleView("link_sent"), codeEntry: true, notice: { kind: "code_invalid" } });
    expect(await screen.findByRole("alert")).toHaveTextContent(/code didn't work/i);
    expect(screen.getByLabelText("Sign-in code")).toBeVisible();
  });
});

describe("normalizeCode", () => {
  it.each([
    ["ABCD-EFGH", "ABCDEFGH"],
    [" abcd efgh ", "ABCDEFGH"],
    ["23456789", "23456789"],
    ["ABCD-EFG", null],
    ["ABCD-EFGHJ", null],
    ["ABCD-EFG1", null], // 1 is not in the alphabet
    ["OOOO-IIII", null],
    ["ABCD_EFGH", null],
  ])("%s → %s", (input, want) => {
    expect(normalizeCode(input)).toBe(want);
  });
});
