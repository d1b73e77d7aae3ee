import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../shared/config/settings.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

const good = {
  TOLLGATE_TENANTS: TENANT,
  TOLLGATE_AUDIENCES: "api://tollgate-demo",
  TOLLGATE_STORAGE: AZURITE,
};

function refusal(env: Record<string, string | undefined>): SettingsError {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error("the settings were accepted");
}

describe("settings", () => {
  it("parses a minimal environment with documented defaults", () => {
    const s = loadSettings(good);
    expect(s.token.tenants).toEqual({ any: false, ids: [TENANT] });
    expect(s.token.audiences).toEqual(["api://tollgate-demo"]);
    expect(s.token.authority).toBe("https://login.microsoftonline.com");
    expect(s.token.tokenVersions).toEqual(["2.0"]);
    expect(s.token.algorithms).toEqual(["RS256"]);
    expect(s.token.clockSkewSeconds).toBe(60);
    expect(s.token.maxTokenBytes).toBe(16384);
    expect(s.token.maxTokenLifetimeSeconds).toBeUndefined();
    expect(s.keys.maxStalenessSeconds).toBe(72 * 3600);
    expect(s.storage).toEqual({ kind: "connectionString", connectionString: AZURITE });
  });

  it("accepts any tenant only when said explicitly with '*'", () => {
    expect(loadSettings({ ...good, TOLLGATE_TENANTS: "*" }).token.tenants).toEqual({ any: true });
    const e = refusal({ ...good, TOLLGATE_TENANTS: "common" });
    expect(e.message).toContain("TOLLGATE_TENANTS");
    expect(e.message).toContain("'*'");
  });

  it("takes personal accounts under '*' only with the consumer tenant listed beside it", () => {
    const consumer = "9188040d-6c67-4c5b-b112-36a304b66dad";
    expect(loadSettings({ ...good, TOLLGATE_TENANTS: `*,${consumer}` }).token.tenants).toEqual({
      any: true,
      consumers: true,
    });
    expect(refusal({ ...good, TOLLGATE_TENANTS: `*,${TENANT}` }).message).toContain(
      "'*' (any tenant) cannot be mixed with tenant ids, except the consumer tenant",
    );
  });

  it("never echoes a backend URL's credentials or ?code= key in its error", () => {
    for (const url of [
      "https://ops:s3cret@orders.internal",
      "https://orders.azurewebsites.net/api?code=k3yk3y",
    ]) {
      const e = refusal({ ...good, TOLLGATE_BACKEND_URL: url });
      expect(e.message).toContain("TOLLGATE_BACKEND_URL");
      expect(e.message).not.toMatch(/s3cret|k3yk3y/);
    }
    expect(
      refusal({ ...good, TOLLGATE_BACKEND_URL: "https://orders.internal/api?code=k3yk3y" }).message,
    ).toContain("'https://orders.internal/api?code=***'");
  });

  it("refuses a missing tenant, naming the setting and an example", () => {
    const e = refusal({ ...good, TOLLGATE_TENANTS: undefined });
    expect(e.message).toMatch(/TOLLGATE_TENANTS is required\. Example: TOLLGATE_TENANTS=[0-9a-f-]{36}/);
  });

  it("refuses a tenant that is not a GUID", () => {
    const e = refusal({ ...good, TOLLGATE_TENANTS: `${TENANT},contoso.onmicrosoft.com` });
    expect(e.message).toContain("TOLLGATE_TENANTS");
    expect(e.message).toContain("'contoso.onmicrosoft.com' is not a tenant id");
  });

  it("refuses a malformed authority URL", () => {
    const e = refusal({ ...good, TOLLGATE_AUTHORITY: "login.microsoftonline.com" });
    expect(e.message).toContain("TOLLGATE_AUTHORITY 'login.microsoftonline.com' is not a URL");
    expect(e.message).toContain("Example: TOLLGATE_AUTHORITY=https://");
  });

  it("refuses plain http except on loopback, and an authority with a tenant path", () => {
    expect(refusal({ ...good, TOLLGATE_AUTHORITY: "http://login.example.com" }).message).toContain(
      "must use https",
    );
    expect(loadSettings({ ...good, TOLLGATE_AUTHORITY: "http://127.0.0.1:4000" }).token.authority).toBe(
      "http://127.0.0.1:4000",
    );
    expect(
      refusal({ ...good, TOLLGATE_AUTHORITY: `https://login.microsoftonline.com/${TENANT}` }).message,
    ).toContain("without a tenant or path");
  });

  it("refuses a missing audience and a bare word as audience", () => {
    expect(refusal({ ...good, TOLLGATE_AUDIENCES: undefined }).message).toContain(
      "TOLLGATE_AUDIENCES is required",
    );
    expect(refusal({ ...good, TOLLGATE_AUDIENCES: "myapi" }).message).toContain("'myapi' is neither");
  });

  it("never allows none or HMAC algorithms", () => {
    expect(refusal({ ...good, TOLLGATE_ALGORITHMS: "RS256,HS256" }).message).toContain(
      "'HS256' is not allowed",
    );
    expect(refusal({ ...good, TOLLGATE_ALGORITHMS: "none" }).message).toContain("'none' is not allowed");
  });

  it("refuses numbers out of range and not numbers", () => {
    expect(refusal({ ...good, TOLLGATE_CLOCK_SKEW_SECONDS: "600" }).message).toContain(
      "TOLLGATE_CLOCK_SKEW_SECONDS '600' is not a whole number from 0 to 300",
    );
    expect(refusal({ ...good, TOLLGATE_MAX_TOKEN_BYTES: "16k" }).message).toContain(
      "TOLLGATE_MAX_TOKEN_BYTES '16k'",
    );
  });

  it("reads token versions 1 and 2", () => {
    expect(loadSettings({ ...good, TOLLGATE_TOKEN_VERSIONS: "1,2" }).token.tokenVersions).toEqual([
      "1.0",
      "2.0",
    ]);
    expect(refusal({ ...good, TOLLGATE_TOKEN_VERSIONS: "3" }).message).toContain(
      "'3' is not a token version",
    );
  });

  it("falls back to the Functions host's storage, including identity-based storage", () => {
    const { TOLLGATE_STORAGE: _, ...rest } = good;
    expect(loadSettings({ ...rest, AzureWebJobsStorage: AZURITE }).storage.kind).toBe("connectionString");
    expect(loadSettings({ ...rest, AzureWebJobsStorage__accountName: "mystore" }).storage).toEqual({
      kind: "endpoint",
      endpoint: "https://mystore.table.core.windows.net",
    });
    expect(refusal(rest).message).toContain("TOLLGATE_STORAGE is required (or set AzureWebJobsStorage)");
  });

  it("never echoes the storage secret in a refusal", () => {
    const e = refusal({ ...good, TOLLGATE_STORAGE: "AccountKey=supersecret" });
    expect(e.message).toContain("TOLLGATE_STORAGE");
    expect(e.message).not.toContain("supersecret");
  });

  it("lists every problem at once", () => {
    const e = refusal({ TOLLGATE_TENANTS: "x", TOLLGATE_STORAGE: AZURITE });
    expect(e.problems.map((p) => p.split(" ")[0])).toEqual(["TOLLGATE_TENANTS", "TOLLGATE_AUDIENCES"]);
  });
});
