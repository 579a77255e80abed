// What the company API said about the signed-in member (Go:
// companyapi.Me, through the bound CompanyAPIMe). Never a token: the request
// runs in Go with the session JWT.
export type CompanyMeStatus =
  | "ok"
  | "unauthorized"
  | "forbidden"
  | "unreachable"
  | "failed"
  | "signed_out"
  | "not_configured";

export interface CompanyMe {
  status: CompanyMeStatus;
  httpStatus?: number;
  memberId?: string;
  email?: string;
  organizationId?: string;
  organizationName?: string;
  roles?: string[] | null;
  checkedWith?: string;
}

/** The line the signed-in screen shows for a non-ok answer ("" for none). */
export function companyMeProblem(me: CompanyMe): string {
  switch (me.status) {
    case "unauthorized":
      return "Your company's API did not accept your session (401). Try again in a moment, or sign out and in again.";
    case "forbidden":
      return "Your company's API says you are not allowed to do that (403).";
    case "unreachable":
      return "Can't reach your company's API right now.";
    case "failed":
      return `Your company's API gave an unexpected answer${me.httpStatus ? ` (${me.httpStatus})` : ""}.`;
    default:
      return "";
  }
}
