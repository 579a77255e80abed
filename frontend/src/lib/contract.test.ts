// @vitest-environment node
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CONTRACT } from "./contract";
import { MEMBERSHIPS, NOTICE_KINDS, SCREENS } from "./types";
import backendSource from "./backend.ts?raw";
import typesSource from "./types.ts?raw";

// The frontend against the contract Go writes (contract.json, from
// app/signin/contract_golden_test.go): the lists in types.ts, the View shape
// its interfaces declare and the methods of Backend (backend.ts). When Go
// changes the contract, its golden test fails until the file is rewritten
// (go test ./app/signin -run Golden -update); then this fails until the
// frontend follows. See docs/view-contract.md.

function source(name: string, text: string): ts.SourceFile {
  return ts.createSourceFile(name, text, ts.ScriptTarget.ES2020, true);
}

const typesTs = source("types.ts", typesSource);
const interfaces = new Map<string, ts.InterfaceDeclaration>();
const aliases = new Map<string, ts.TypeAliasDeclaration>();
typesTs.forEachChild((n) => {
  if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
  if (ts.isTypeAliasDeclaration(n)) aliases.set(n.name.text, n);
});

/** A TypeScript type as the contract describes a JSON value. */
interface Shape {
  type: string; // "string" | "number" | "boolean" | "interface:<Name>", then "[]" for arrays
  nullable: boolean;
  undefinable: boolean;
  refs: Set<string>; // the type aliases it goes through (Screen, NoticeKind, …)
}

function shapeOf(node: ts.TypeNode, refs = new Set<string>()): Shape {
  const plain = (type: string): Shape => ({ type, nullable: false, undefinable: false, refs });
  if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type, refs);
  if (ts.isUnionTypeNode(node)) {
    let nullable = false;
    let undefinable = false;
    const types = new Set<string>();
    for (const m of node.types) {
      if (ts.isLiteralTypeNode(m) && m.literal.kind === ts.SyntaxKind.NullKeyword) nullable = true;
      else if (m.kind === ts.SyntaxKind.UndefinedKeyword) undefinable = true;
      else types.add(shapeOf(m, refs).type);
    }
    if (types.size !== 1) return plain(`mixed(${[...types].join("|")})`);
    return { type: [...types][0], nullable, undefinable, refs };
  }
  if (ts.isLiteralTypeNode(node)) {
    if (ts.isStringLiteral(node.literal)) return plain("string");
    if (ts.isNumericLiteral(node.literal)) return plain("number");
    if (node.literal.kind === ts.SyntaxKind.TrueKeyword || node.literal.kind === ts.SyntaxKind.FalseKeyword) return plain("boolean");
  }
  if (ts.isArrayTypeNode(node)) return plain(`${shapeOf(node.elementType, refs).type}[]`);
  // (typeof SCREENS)[number]: an element of one of the string lists.
  if (ts.isIndexedAccessTypeNode(node)) return plain("string");
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const name = node.typeName.text;
    if (interfaces.has(name)) return plain(`interface:${name}`);
    const alias = aliases.get(name);
    if (alias) {
      refs.add(name);
      return shapeOf(alias.type, refs);
    }
  }
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return plain("string");
    case ts.SyntaxKind.NumberKeyword:
      return plain("number");
    case ts.SyntaxKind.BooleanKeyword:
      return plain("boolean");
  }
  return plain(`unknown(${node.getText()})`);
}

// The TypeScript alias each of the contract's lists is typed as.
const ENUM_ALIAS: Record<string, string> = { screens: "Screen", kinds: "NoticeKind", memberships: "Membership" };

/** Every way interface tsName (types.ts) disagrees with Go's struct goName. */
function disagreements(goName: string, tsName: string, path: string, seen = new Set<string>()): string[] {
  const key = `${goName}=${tsName}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const goFields = CONTRACT.types[goName];
  const decl = interfaces.get(tsName);
  if (!goFields) return [`${path}: Go has no type ${goName}`];
  if (!decl) return [`${path}: types.ts has no interface ${tsName}`];
  const tsFields = new Map<string, ts.PropertySignature>();
  for (const m of decl.members) {
    if (ts.isPropertySignature(m) && m.type) tsFields.set(m.name.getText(), m);
  }
  const out: string[] = [];
  for (const name of tsFields.keys()) {
    if (!(name in goFields)) out.push(`${path}.${name}: in types.ts (${tsName}) but Go never sends it`);
  }
  for (const [name, want] of Object.entries(goFields)) {
    const at = `${path}.${name}`;
    const prop = tsFields.get(name);
    if (!prop) {
      out.push(`${at}: Go sends it (${goName}) but types.ts (${tsName}) lacks it`);
      continue;
    }
    const got = shapeOf(prop.type!);
    const optional = Boolean(prop.questionToken) || got.undefinable;
    if (want.optional && !optional) out.push(`${at}: Go may leave it out (omitempty) but types.ts requires it`);
    if (want.nullable && !got.nullable) out.push(`${at}: Go may send null but types.ts does not allow it`);
    if (want.enum && !got.refs.has(ENUM_ALIAS[want.enum])) {
      out.push(`${at}: Go sends one of the ${want.enum}; types.ts should type it with ${ENUM_ALIAS[want.enum]}`);
    }
    const goArray = want.type.endsWith("[]");
    const goBase = want.type.replace(/\[\]$/, "");
    const tsArray = got.type.endsWith("[]");
    const tsBase = got.type.replace(/\[\]$/, "");
    if (goArray !== tsArray) {
      out.push(`${at}: Go sends ${want.type}, types.ts says ${got.type}`);
    } else if (goBase in CONTRACT.types) {
      if (!tsBase.startsWith("interface:")) out.push(`${at}: Go sends an object (${goBase}), types.ts says ${got.type}`);
      else out.push(...disagreements(goBase, tsBase.slice("interface:".length), at, seen));
    } else if (goBase !== tsBase) {
      out.push(`${at}: Go sends ${want.type}, types.ts says ${got.type}`);
    }
  }
  return out;
}

describe("types.ts and backend.ts follow the contract Go writes (contract.json)", () => {
  it("lists the same screens, notice kinds and memberships", () => {
    expect([...SCREENS].sort()).toEqual([...CONTRACT.screens].sort());
    expect([...NOTICE_KINDS].sort()).toEqual([...CONTRACT.kinds].sort());
    expect([...MEMBERSHIPS].sort()).toEqual([...CONTRACT.memberships].sort());
  });

  it("declares the View JSON shape Go sends", () => {
    expect(disagreements("View", "View", "view")).toEqual([]);
  });

  it("the MFA methods are the ones Go knows", () => {
    const alias = aliases.get("MFAMethod");
    expect(alias).toBeDefined();
    const literals = (alias!.type as ts.UnionTypeNode).types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
    // "" is the enrollment choice (no method yet).
    expect(literals.filter((m) => m !== "").sort()).toEqual([...CONTRACT.mfaMethods].sort());
  });

  it("Backend's methods are the ones the contract maps to actions", () => {
    const backendTs = source("backend.ts", backendSource);
    const methods: string[] = [];
    backendTs.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n) && n.name.text === "Backend") {
        for (const m of n.members) if (ts.isMethodSignature(m)) methods.push(m.name.getText());
      }
    });
    expect(methods.filter((m) => m !== "onState").sort()).toEqual(Object.keys(CONTRACT.methods).sort());
  });
});
