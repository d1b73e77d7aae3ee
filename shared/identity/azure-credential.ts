// The one Entra credential tollgate signs in with (Table Storage, Application Insights ingestion,
// Microsoft Graph), chosen by TOLLGATE_MANAGED_IDENTITY: in Azure the app's managed identity, named
// outright (system-assigned, or a user-assigned one by client id), so no other credential in the
// environment is ever tried first; blank, DefaultAzureCredential, so a developer's `az login`
// (or environment credentials) keeps working locally. @azure/identity is imported on the first
// token request only: importing it costs a few hundred milliseconds of every cold start, and only
// an app that signs in to storage, Graph or Application Insights with Entra ever needs it.

import type { GetTokenOptions, TokenCredential } from "@azure/identity";
import { guid } from "../config/parsers.js";

export const MANAGED_IDENTITY_SETTING = "TOLLGATE_MANAGED_IDENTITY";

export type IdentityChoice = { kind: "default" } | { kind: "system" } | { kind: "user"; clientId: string };

/** The choice a value names, or undefined when it names none (the settings schema says why). */
export function parseIdentityChoice(value: string | undefined): IdentityChoice | undefined {
  const text = value?.trim() ?? "";
  if (text === "") return { kind: "default" };
  if (text.toLowerCase() === "system") return { kind: "system" };
  if (guid.test(text)) return { kind: "user", clientId: text.toLowerCase() };
  return undefined;
}

/** The @azure/identity credential for a choice (imports the library). */
export async function credentialFor(choice: IdentityChoice): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  switch (choice.kind) {
    case "system":
      return new identity.ManagedIdentityCredential();
    case "user":
      return new identity.ManagedIdentityCredential({ clientId: choice.clientId });
    default:
      return new identity.DefaultAzureCredential();
  }
}

const cache = new Map<string, TokenCredential>();

/**
 * The credential the environment asks for, one per choice per process (each caches its tokens),
 * built on its first token request. A value that names no choice throws at once; the settings
 * schema refuses it first at start.
 */
export function azureCredential(env: Record<string, string | undefined> = process.env): TokenCredential {
  const choice = parseIdentityChoice(env[MANAGED_IDENTITY_SETTING]);
  if (!choice) {
    throw new Error(
      `${MANAGED_IDENTITY_SETTING} must be blank, system or a user-assigned identity's client id (a GUID).`,
    );
  }
  const key = choice.kind === "user" ? choice.clientId : choice.kind;
  let credential = cache.get(key);
  if (!credential) {
    let real: Promise<TokenCredential> | undefined;
    credential = {
      async getToken(scopes: string | string[], options?: GetTokenOptions) {
        real ??= credentialFor(choice);
        return (await real).getToken(scopes, options);
      },
    };
    cache.set(key, credential);
  }
  return credential;
}
