// The role map's CORS policy (`cors:` in the policy document): which browser origins may call the
// API cross-origin, with which methods and request headers, and how long a preflight is cached.
// One global policy for now; kept apart so it can become per-resource without touching the rules.

import { z } from "zod";

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;

const origin = z.string().transform((raw, ctx) => {
  const value = raw.toLowerCase();
  if (!ORIGIN.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' is not an origin: scheme, host and optional port, no path or wildcard (example: https://app.contoso.com)`,
    });
    return z.NEVER;
  }
  return value;
});

export const corsSchema = z
  .object({
    /** Exact origins; a bearer API needs no credentials mode, so never "*" with credentials. */
    origins: z.array(origin).min(1, "must list at least one origin"),
    methods: z
      .array(z.string().regex(/^[A-Z]+$/, "must be an upper-case HTTP method"))
      .min(1)
      .default(["GET", "HEAD", "POST"]),
    /** Request headers a browser may send besides the CORS-safelisted ones; compared ignoring case. */
    headers: z
      .array(z.string().regex(HEADER_NAME, "must be a header name"))
      .default(["authorization", "content-type"])
      .transform((list) => list.map((name) => name.toLowerCase())),
    /** Seconds a browser may cache a preflight answer. */
    maxAge: z.number().int().min(0).max(86_400).default(600),
  })
  .strict();

export type CorsPolicy = z.output<typeof corsSchema>;
