// The settings of the way to the backend: where it is, how long each part of an exchange may
// take, how large a body may be, the signed identity assertion, and the front-end bypass checks.

import { z } from "zod";
import { setting } from "./parse-settings.js";
import { guid } from "./parsers.js";
import { ex, url, wholeNumber } from "./setting-values.js";

export interface BackendSettings {
  defaultUrl: string | undefined;
  maxBodyBytes: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
  /** Largest MCP JSON-RPC body read to match MCP rules (it is then sent on unchanged). */
  mcpMaxBodyBytes: number;
}

export interface AssertionSettings {
  /** The raw key setting; parsed by the assertion signer, which never echoes it. */
  keys: string | undefined;
  issuer: string;
  lifetimeSeconds: number;
}

export interface BypassSettings {
  frontDoorId: string | undefined;
  gatewayKey: string | undefined;
}

const backendUrl = url("TOLLGATE_BACKEND_URL", {
  shape: "base",
  http: "allowed",
  must: "an http(s) URL without query, fragment or credentials",
});

const frontDoorId = z
  .string()
  .refine((v) => guid.test(v.trim()), {
    message: `is not a Front Door id (a GUID). ${ex("TOLLGATE_FRONT_DOOR_ID")}`,
  })
  .transform((v) => v.trim().toLowerCase());

// A secret: checked for length only, never echoed.
const gatewayKey = z
  .string()
  .refine((v) => v.trim().length >= 16, {
    message: `must be at least 16 characters. ${ex("TOLLGATE_GATEWAY_KEY")}`,
  })
  .transform((v) => v.trim());

// Parsed by the assertion signer, which never echoes it; blank means none.
const assertionKeys = z.string().transform((v) => (v.trim() === "" ? undefined : v));

export const backendSpec = {
  defaultUrl: setting("TOLLGATE_BACKEND_URL", () => backendUrl.optional()),
  maxBodyBytes: setting("TOLLGATE_MAX_BODY_BYTES", wholeNumber(0, 4 * 1024 ** 3, 100 * 1024 * 1024)),
  connectTimeoutMs: setting("TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS", wholeNumber(100, 60_000, 5000)),
  firstByteTimeoutMs: setting("TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS", wholeNumber(100, 600_000, 30_000)),
  totalTimeoutMs: setting("TOLLGATE_BACKEND_TIMEOUT_MS", wholeNumber(100, 3_600_000, 120_000)),
  mcpMaxBodyBytes: setting("TOLLGATE_MCP_MAX_BODY_BYTES", wholeNumber(1, 16 * 1024 ** 2, 1024 * 1024)),
} as const;

export const assertionSpec = {
  keys: setting("TOLLGATE_ASSERTION_KEYS", () => assertionKeys.optional()),
  issuer: setting("TOLLGATE_ASSERTION_ISSUER", () => z.string().min(1).default("tollgate")),
  lifetimeSeconds: setting("TOLLGATE_ASSERTION_LIFETIME_SECONDS", wholeNumber(5, 3600, 60)),
} as const;

export const bypassSpec = {
  frontDoorId: setting("TOLLGATE_FRONT_DOOR_ID", () => frontDoorId.optional()),
  gatewayKey: setting("TOLLGATE_GATEWAY_KEY", () => gatewayKey.optional()),
} as const;
