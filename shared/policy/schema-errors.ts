// Turns zod issues into one line per problem that names the field, the way an operator would
// point at it: `rules[2].require.anyOf[0].roles: unknown key 'anyof' (did you mean 'anyOf'?)`.

import type { z } from "zod";

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

export function formatFieldPath(path: readonly Key[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z_$][\w$]*$/.test(name)
        ? `${out === "" ? "" : "."}${name}`
        : `[${JSON.stringify(name)}]`;
    }
  }
  return out === "" ? "(document)" : out;
}

export function formatIssues(issues: readonly Issue[]): string[] {
  const flat = flatten(issues, []);
  // A misspelt key also leaves its object looking empty; the typo is the one thing to report.
  const typoAt = new Set(
    flat.filter((i) => i.code === "unrecognized_keys").map((i) => formatFieldPath(i.path)),
  );
  return flat
    .filter((i) => i.code !== "custom" || !typoAt.has(formatFieldPath(i.path)))
    .map((i) => `${formatFieldPath(i.path)}: ${messageOf(i)}`);
}

/** Nested issues (unions, record keys) brought to the top with their full path. */
function flatten(issues: readonly Issue[], prefix: readonly Key[]): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union") {
      // The branch whose problems all sit inside the value is the one the author meant; with
      // none (or several) such, the union's own message says what is accepted.
      const meant = issue.errors.filter(
        (branch) => branch.length > 0 && branch.every((i) => i.path.length > 0),
      );
      if (meant.length === 1) {
        out.push(...flatten(meant[0] as Issue[], path));
        continue;
      }
    }
    if (issue.code === "invalid_key") {
      out.push(
        ...issue.issues.map((inner) => ({ ...inner, path, message: `name ${messageOf(inner)}` }) as Issue),
      );
      continue;
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

function messageOf(issue: Issue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "is required";
  return issue.message.replace(/^Invalid input: /, "").replace(/, received /, ", got ");
}
