// Checks APPLICATIONINSIGHTS_CONNECTION_STRING before the exporter sees it: the exporter drops a
// malformed one with a diagnostic nobody reads and loses every item, so tollgate refuses to start.

import { guid } from "../config/parsers.js";
import { SettingsError } from "../config/settings.js";

export const CONNECTION_STRING_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING";
const EXAMPLE = `Example: ${CONNECTION_STRING_SETTING}=InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`;

export interface ConnectionString {
  /** Rebuilt as `Key=Value;…` without empty parts, the only form the exporter parses. */
  value: string;
  /** `Authorization=AAD`: ingestion takes an Entra token (the app's managed identity), not the key. */
  entraAuth: boolean;
}

const URL_KEYS = ["ingestionendpoint", "liveendpoint"];

// The value may be treated as a secret: messages say what is wrong, never echo it.
function refuse(problem: string): never {
  throw new SettingsError([`${CONNECTION_STRING_SETTING} ${problem}. ${EXAMPLE}`]);
}

export function parseConnectionString(raw: string): ConnectionString {
  const fields = new Map<string, { key: string; value: string }>();
  for (const part of raw.split(";")) {
    const text = part.trim();
    if (text === "") continue;
    const at = text.indexOf("=");
    const key = text.slice(0, at).trim();
    const value = text.slice(at + 1).trim();
    if (at <= 0 || key === "" || value === "" || value.includes("=")) {
      refuse("is not an Application Insights connection string (Key=Value pairs separated by ';')");
    }
    if (fields.has(key.toLowerCase())) refuse(`names ${key} twice`);
    fields.set(key.toLowerCase(), { key, value });
  }

  const ikey = fields.get("instrumentationkey");
  if (ikey === undefined) refuse("has no InstrumentationKey");
  if (!guid.test(ikey.value)) refuse("has an InstrumentationKey that is not a GUID");
  ikey.value = ikey.value.toLowerCase();

  for (const name of URL_KEYS) {
    const field = fields.get(name);
    if (field === undefined) continue;
    let url: URL;
    try {
      url = new URL(field.value);
    } catch {
      refuse(`has a ${field.key} that is not a URL`);
    }
    if (url.protocol !== "https:")
      refuse(`has a ${field.key} that is not https (the exporter sends only over HTTPS)`);
  }

  const authorization = fields.get("authorization")?.value.toLowerCase();
  if (authorization !== undefined && authorization !== "aad" && authorization !== "ikey") {
    refuse("has an Authorization other than AAD or ikey");
  }

  return {
    value: [...fields.values()].map(({ key, value }) => `${key}=${value}`).join(";"),
    entraAuth: authorization === "aad",
  };
}
