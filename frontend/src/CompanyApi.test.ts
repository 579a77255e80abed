import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import SignedIn from "./screens/SignedIn.svelte";
import type { CompanyMe } from "./lib/companyapi";
import { sampleView } from "./lib/samples";

function show(...answers: CompanyMe[]) {
  const companyMe = vi.fn<() => Promise<CompanyMe>>();
  for (const a of answers) companyMe.mockResolvedValueOnce(a);
  render(SignedIn, { props: { view: sampleView("signed_in"), busy: false, onSignOut: () => {}, companyMe } });
  return companyMe;
}

describe("the signed-in screen's company API answer", () => {
  it("ok: welcomes the member with the API's roles", async () => {
    const companyMe = show({ status: "ok", httpStatus: 200, memberId: "member-1", email: "ada@corp.example", roles: ["stytch_member", "stytch_admin"] });
    expect(await screen.findByText("Welcome, ada@corp.example")).toBeInTheDocument();
    expect(screen.getByText("Roles: stytch_member, stytch_admin")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Your company's API" })).toBeInTheDocument();
    expect(companyMe).toHaveBeenCalledTimes(1);
  });

  it.each<[CompanyMe, RegExp]>([
    [{ status: "unauthorized", httpStatus: 401 }, /did not accept your session \(401\)/],
    [{ status: "forbidden", httpStatus: 403 }, /not allowed .*\(403\)/],
    [{ status: "unreachable" }, /can't reach your company's API/i],
    [{ status: "failed", httpStatus: 502 }, /unexpected answer \(502\)/],
  ])("%o: says so, and Try again asks again", async (answer, line) => {
    const user = userEvent.setup();
    const companyMe = show(answer, { status: "ok", email: "ada@corp.example" });
    expect(await screen.findByText(line)).toBeInTheDocument();
    expect(screen.queryByText(/^Welcome/)).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Welcome, ada@corp.example")).toBeInTheDocument();
    expect(companyMe).toHaveBeenCalledTimes(2);
  });

  it("a failed call reads as unreachable", async () => {
    const companyMe = vi.fn<() => Promise<CompanyMe>>().mockRejectedValue(new Error("boom"));
    render(SignedIn, { props: { view: sampleView("signed_in"), busy: false, onSignOut: () => {}, companyMe } });
    expect(await screen.findByText(/can't reach your company's API/i)).toBeInTheDocument();
  });

  it.each<CompanyMe["status"]>(["not_configured", "signed_out"])("%s: no company section", async (status) => {
    const companyMe = show({ status });
    await vi.waitFor(() => expect(companyMe).toHaveBeenCalled());
    await Promise.resolve();
    expect(screen.queryByRole("heading", { name: "Your company's API" })).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: /you're signed in/i })).toBeInTheDocument();
  });
});
