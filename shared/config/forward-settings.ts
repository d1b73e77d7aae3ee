// The settings of the way to the backend: where it is, how long each part of an exchange may
// take, how large a body may be, the signed identity assertion, and the front-end bypass checks.

import { z } from "zod";
import { guid } from "./parsers.js";
import { boolean, ex, integer, url } from "./setting-values.js";

export interface BackendSettings {
  defaultUrl: string | undefined;
  maxBodyBytes: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
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

const frontDoorId = z.string().refine((v) => guid.test(v.trim()), {
  message: `is not a Front Door id (a GUID). ${ex("TOLLGATE_FRONT_DOOR_ID")}`,
});

// A secret: checked for length only, never echoed.
const gatewayKey = z.string().refine((v) => v.trim().length >= 16, {
  message: `must be at least 16 characters. ${ex("TOLLGATE_GATEWAY_KEY")}`,
});

export const forwardFields = {
  TOLLGATE_BACKEND_URL: backendUrl.optional(),
  TOLLGATE_MAX_BODY_BYTES: integer("TOLLGATE_MAX_BODY_BYTES", 0, 4 * 1024 ** 3).default(100 * 1024 * 1024),
  TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS: integer("TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS", 100, 60_000).default(
    5000,
  ),
  TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: integer(
    "TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS",
    100,
    600_000,
  ).default(30_000),
  TOLLGATE_BACKEND_TIMEOUT_MS: integer("TOLLGATE_BACKEND_TIMEOUT_MS", 100, 3_600_000).default(120_000),
  TOLLGATE_RATELIMIT_HEADERS: boolean("TOLLGATE_RATELIMIT_HEADERS").default(true),
  TOLLGATE_ASSERTION_KEYS: z.string().optional(),
  TOLLGATE_ASSERTION_ISSUER: z.string().min(1).default("tollgate"),
  TOLLGATE_ASSERTION_LIFETIME_SECONDS: integer("TOLLGATE_ASSERTION_LIFETIME_SECONDS", 5, 3600).default(60),
  TOLLGATE_FRONT_DOOR_ID: frontDoorId.optional(),
  TOLLGATE_GATEWAY_KEY: gatewayKey.optional(),
};

type ForwardInput = z.output<z.ZodObject<typeof forwardFields>>;

export function forwardSettingsFrom(s: ForwardInput): {
  backend: BackendSettings;
  rateLimitHeaders: boolean;
  assertion: AssertionSettings;
  bypass: BypassSettings;
} {
  return {
    backend: {
      defaultUrl: s.TOLLGATE_BACKEND_URL,
      maxBodyBytes: s.TOLLGATE_MAX_BODY_BYTES,
      connectTimeoutMs: s.TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS,
      firstByteTimeoutMs: s.TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS,
      totalTimeoutMs: s.TOLLGATE_BACKEND_TIMEOUT_MS,
    },
    rateLimitHeaders: s.TOLLGATE_RATELIMIT_HEADERS,
    assertion: {
      keys: s.TOLLGATE_ASSERTION_KEYS?.trim() === "" ? undefined : s.TOLLGATE_ASSERTION_KEYS,
      issuer: s.TOLLGATE_ASSERTION_ISSUER,
      lifetimeSeconds: s.TOLLGATE_ASSERTION_LIFETIME_SECONDS,
    },
    bypass: {
      frontDoorId: s.TOLLGATE_FRONT_DOOR_ID?.trim().toLowerCase(),
      gatewayKey: s.TOLLGATE_GATEWAY_KEY?.trim(),
    },
  };
}
