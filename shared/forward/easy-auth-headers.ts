// The identity headers App Service Authentication ("Easy Auth") gives an app, built from the token
// tollgate verified, so a backend written for Easy Auth moves behind tollgate unchanged:
// X-MS-CLIENT-PRINCIPAL (base64 JSON: auth_typ, claims as {typ, val}, name_typ, role_typ) and
// X-MS-CLIENT-PRINCIPAL-ID / -NAME / -IDP. Always beside the signed assertion, never instead: a
// backend that can check the assertion should. Callers' own X-MS-CLIENT-PRINCIPAL* headers never
// pass (header-hygiene.ts).

import type { Principal } from "../token/principal.js";
import { headerSafe } from "./header-value.js";

export const EASY_AUTH_HEADERS = {
  principal: "x-ms-client-principal",
  id: "x-ms-client-principal-id",
  name: "x-ms-client-principal-name",
  idp: "x-ms-client-principal-idp",
} as const;

/** The claims as Easy Auth lists them: one {typ, val} per value, arrays expanded, objects left out. */
function claimList(claims: Readonly<Record<string, unknown>>): { typ: string; val: string }[] {
  const list: { typ: string; val: string }[] = [];
  for (const [typ, value] of Object.entries(claims)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item === "string" || typeof item === "number" || typeof item === "boolean")
        list.push({ typ, val: String(item) });
    }
  }
  return list;
}

function nameOf(principal: Principal): string {
  const claims = principal.claims ?? {};
  for (const claim of ["preferred_username", "upn", "unique_name", "name"]) {
    const value = claims[claim];
    if (typeof value === "string" && value !== "") return value;
  }
  return principal.objectId;
}

export function easyAuthHeaders(principal: Principal): [string, string][] {
  const body = {
    auth_typ: "aad",
    claims: claimList(principal.claims ?? {}),
    name_typ: "name",
    role_typ: "roles",
  };
  return [
    [EASY_AUTH_HEADERS.principal, Buffer.from(JSON.stringify(body), "utf8").toString("base64")],
    [EASY_AUTH_HEADERS.id, headerSafe(principal.objectId)],
    [EASY_AUTH_HEADERS.name, headerSafe(nameOf(principal))],
    [EASY_AUTH_HEADERS.idp, "aad"],
  ];
}
