import contract from "./contract.json";
import type { Screen } from "./types";

// The contract Go writes (app/signin/contract_golden_test.go rewrites
// contract.json; docs/view-contract.md): the transition table and which bound
// method runs which action. The demo backend asks it what is offered where,
// so no row of the table is restated in the frontend.

export interface ContractField {
  type: string;
  optional?: boolean;
  nullable?: boolean;
  enum?: string;
}

export interface TransitionRow {
  action: string;
  from: Screen[];
  to: Screen[];
  background?: boolean;
}

export interface Contract {
  screens: string[];
  kinds: string[];
  memberships: string[];
  mfaMethods: string[];
  /** Bound method → the action it runs ("" = none: a read, the inbox page, a slug suggestion). */
  methods: Record<string, string>;
  transitions: TransitionRow[];
  types: Record<string, Record<string, ContractField>>;
}

export const CONTRACT: Contract = contract as Contract;

function row(action: string): TransitionRow | undefined {
  return CONTRACT.transitions.find((t) => t.action === action);
}

/** The action a bound method runs, or "" when it runs none. */
export function actionOf(method: string): string {
  const a = CONTRACT.methods[method];
  if (a === undefined) throw new Error(`contract: no bound method ${method}`);
  return a;
}

/** Whether the method may start on this screen (as Go's offeredOn); methods that run no action always may. */
export function offeredOn(method: string, screen: Screen): boolean {
  const a = actionOf(method);
  if (a === "") return true;
  return row(a)?.from.includes(screen) ?? false;
}

/** Whether the method's action may change the screen from one to another (as Go's moveAllowed). */
export function moveAllowed(method: string, from: Screen, to: Screen): boolean {
  if (from === to) return true;
  const r = row(actionOf(method));
  return r?.to.includes(to) ?? false;
}
