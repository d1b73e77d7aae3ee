// How one setting's text becomes a value: whole numbers, decimals, booleans, required text and
// URLs, each failing with a message that quotes the value and ends with a right example.

import { z } from "zod";
import { loopbackHost } from "./parsers.js";
import { redactUrl } from "./redact-url.js";
import { SETTING_DOCS, type SettingName } from "./setting-docs.js";

/** The example every message about `name` ends with. */
export const ex = (name: SettingName) => `Example: ${name}=${SETTING_DOCS[name].example}`;

export function integer(name: SettingName, min: number, max: number) {
  return z.string().transform((raw, ctx) => {
    const value = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({
        code: "custom",
        message: `'${raw}' is not a whole number from ${min} to ${max}. ${ex(name)}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

export function boolean(name: SettingName) {
  return z.string().transform((raw, ctx) => {
    const value = raw.trim().toLowerCase();
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    ctx.addIssue({ code: "custom", message: `'${raw}' is not true or false. ${ex(name)}` });
    return z.NEVER;
  });
}

export function decimal(name: SettingName, min: number, max: number) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
      ctx.addIssue({
        code: "custom",
        message: `'${raw}' is not a number from ${min} to ${max}. ${ex(name)}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

export function required(name: SettingName) {
  return z.string({ error: `is required. ${ex(name)}` }).refine((v) => v.trim() !== "", {
    message: `is empty. ${ex(name)}`,
  });
}

export interface UrlRules {
  /**
   * `origin`: scheme, host and port only (an authority, Graph), returned as the origin.
   * `base`: a path is allowed and returned without its trailing slashes (a backend).
   */
  shape: "origin" | "base";
  /** `loopback`: https, or http only on loopback (a token or a credential travels there). */
  http: "loopback" | "allowed";
  /** What the value must be, for the message: "the authority host only, without a tenant or path". */
  must: string;
  /** A message of its own for a wrong scheme; without it, `must` says it. */
  wrongScheme?: string;
}

/** A URL setting: never with a query, fragment or credentials; shape and scheme as `rules` say. */
export function url(name: SettingName, rules: UrlRules) {
  return z.string().transform((raw, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      ctx.addIssue({ code: "custom", message: `'${redactUrl(raw)}' is not a URL. ${ex(name)}` });
      return z.NEVER;
    }
    const loopbackHttp = parsed.protocol === "http:" && loopbackHost(parsed.hostname);
    const scheme =
      rules.http === "loopback"
        ? parsed.protocol === "https:" || loopbackHttp
        : parsed.protocol === "https:" || parsed.protocol === "http:";
    if (!scheme) {
      ctx.addIssue({
        code: "custom",
        message: `'${redactUrl(raw)}' ${rules.wrongScheme ?? `must be ${rules.must}`}. ${ex(name)}`,
      });
      return z.NEVER;
    }
    const path = parsed.pathname !== "/" && parsed.pathname !== "";
    if (
      parsed.search ||
      parsed.hash ||
      parsed.username ||
      parsed.password ||
      (rules.shape === "origin" && path)
    ) {
      ctx.addIssue({ code: "custom", message: `'${redactUrl(raw)}' must be ${rules.must}. ${ex(name)}` });
      return z.NEVER;
    }
    return rules.shape === "origin" ? parsed.origin : parsed.href.replace(/\/+$/, "");
  });
}

/** For `setting(name, …)`: a whole number from `min` to `max`, `fallback` when not set. */
export const wholeNumber = (min: number, max: number, fallback: number) => (name: SettingName) =>
  integer(name, min, max).default(fallback);

/** For `setting(name, …)`: true or false, `fallback` when not set. */
export const flag = (fallback: boolean) => (name: SettingName) => boolean(name).default(fallback);
