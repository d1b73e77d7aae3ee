// Reading settings from the environment through (part of) the one schema: an app setting left
// blank counts as not set, and every problem becomes one line of one SettingsError.

import type { z } from "zod";
import { unresolvedKeyVaultReferences } from "./key-vault-reference.js";
import { SETTING_DOCS, type SettingName } from "./setting-docs.js";

export class SettingsError extends Error {
  override readonly name = "SettingsError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`tollgate cannot start: ${problems.length === 1 ? problems[0] : `\n  ${problems.join("\n  ")}`}`);
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

/** The settings `schema` names, read from `env`; `fallbacks` fill a setting that is not set. */
export function parseSettings<S extends z.ZodObject>(
  schema: S,
  env: Env,
  fallbacks: Partial<Record<SettingName, (env: Env) => string | undefined>> = {},
): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape) as SettingName[]) {
    const value = env[name];
    // An app setting left blank means "not set", as in the Azure portal.
    input[name] =
      value === undefined || (value.trim() === "" && SETTING_DOCS[name].default !== undefined)
        ? undefined
        : value;
    input[name] ??= fallbacks[name]?.(env);
  }
  // Before any rule sees it: an unresolved reference is never a value (key-vault-reference.ts).
  const unresolved = unresolvedKeyVaultReferences(input);
  if (unresolved.length > 0) throw new SettingsError(unresolved);
  // Parsed once, at start: jitless skips generating (and compiling) a parser zod would use once.
  const result = schema.safeParse(input, { jitless: true });
  if (!result.success) {
    throw new SettingsError(
      result.error.issues.map((issue) => `${String(issue.path[0] ?? "settings")} ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * One setting as a concern declares it: its environment name and how its text is read. A
 * concern's spec maps each of its fields (`fetchTimeoutMs`) to one of these, so the field, the
 * variable and the rule stand on one line and the schema and the mapping both come from it.
 */
export function setting<N extends SettingName, T extends z.ZodType>(
  name: N,
  read: (name: N) => T,
): readonly [N, T] {
  return [name, read(name)];
}

export type SettingSpec = Readonly<Record<string, readonly [SettingName, z.ZodType]>>;

/** The spec's part of the one schema: environment name → rule. */
export type FieldsOf<S extends SettingSpec> = { [K in keyof S as S[K][0]]: S[K][1] };

/** The spec's settings, by field, as read. */
export type ValuesOf<S extends SettingSpec> = { [K in keyof S]: z.output<S[K][1]> };

export function fieldsOf<S extends SettingSpec>(spec: S): FieldsOf<S> {
  return Object.fromEntries(Object.values(spec)) as FieldsOf<S>;
}

export function valuesOf<S extends SettingSpec>(
  spec: S,
  parsed: Readonly<Record<string, unknown>>,
): ValuesOf<S> {
  return Object.fromEntries(
    Object.entries(spec).map(([field, [name]]) => [field, parsed[name]]),
  ) as ValuesOf<S>;
}
