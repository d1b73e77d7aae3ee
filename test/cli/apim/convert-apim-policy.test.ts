// `tollgate policy import-apim` on Microsoft's published APIM examples (examples/SOURCES.md) and on
// a policy shaped like a real Entra-protected API: what converts becomes settings and a role map
// that tollgate's own validator accepts; everything else is named in the report.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import { ApimPolicyError, convertApimPolicy } from "../../../tools/cli/apim/convert-apim-policy.js";
import { runCli } from "../../../tools/cli/run-cli.js";

const example = (name: string) => readFileSync(new URL(`./examples/${name}`, import.meta.url), "utf8");
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

function validates(conversion: ReturnType<typeof convertApimPolicy>) {
  const parsed = parsePolicy(stringify(conversion.policy), "yaml");
  expect(parsed.ok, parsed.ok ? "" : parsed.errors.join("\n")).toBe(true);
}

describe("Microsoft's validate-jwt examples", () => {
  it("single tenant: the audience, the v1 metadata's token version and the id claim convert; a domain tenant is reported", () => {
    const result = convertApimPolicy(example("validate-jwt-entra-single-tenant.xml"));
    expect(result.settings).toEqual({
      TOLLGATE_AUDIENCES: "00001111-aaaa-2222-bbbb-3333cccc4444",
      TOLLGATE_TOKEN_VERSIONS: "1",
    });
    expect(result.notConverted.join("\n")).toContain("tenant 'contoso.onmicrosoft.com' is not a tenant id");
    expect(result.notConverted.join("\n")).not.toContain(`<claim name="id">`);
    expect(result.notConverted.join("\n")).toContain("failed-validation-*");
    expect(result.policy.rules).toEqual([
      {
        id: "apim-api",
        methods: ["*"],
        path: "/**",
        require: { claims: { id: { allOf: ["insert claim here"] } } },
      },
    ]);
    validates(result);
  });

  it("token claims: the group claim (any of two) converts; inline keys, an expression audience, a non-Entra issuer and <choose> are reported", () => {
    const result = convertApimPolicy(example("validate-jwt-token-claims.xml"));
    expect(result.settings).toEqual({});
    const report = result.notConverted.join("\n");
    expect(report).toContain("<issuer-signing-keys>");
    expect(report).toContain("'@(context.Request.OriginalUrl.Host)' is a policy expression");
    expect(report).toContain("'contoso.com' is not an Entra ID issuer");
    expect(result.policy.rules[0]?.require).toEqual({
      claims: { group: { anyOf: ["finance", "logistics"] } },
    });
    expect(report).toContain("<choose>: no tollgate equivalent");
    validates(result);
  });
});

describe("Microsoft's validate-azure-ad-token examples", () => {
  it("named values are reported with the setting they belong in", () => {
    const result = convertApimPolicy(example("validate-azure-ad-token-simple.xml"));
    expect(result.settings).toEqual({});
    expect(result.notConverted).toEqual([
      "<validate-azure-ad-token> tenant-id is a named value: put its value in (TOLLGATE_TENANTS)",
      "<validate-azure-ad-token> <client-application-ids>: '{{aad-client-application-id}}' is a named value: put its value in (TOLLGATE_CLIENT_APPS)",
    ]);
  });

  it("any claim (ctry) becomes a claims: requirement with the same match", () => {
    const result = convertApimPolicy(example("validate-azure-ad-token-audience-claim.xml"));
    expect(result.policy.rules[0]?.require).toEqual({ claims: { ctry: { anyOf: ["US"] } } });
    validates(result);
  });
});

describe("Microsoft's rate-limit-by-key and quota-by-key examples", () => {
  it("rate-limit-by-key: 10 calls per 60 s, per caller address (clientIp), with what that means behind APIM", () => {
    const result = convertApimPolicy(example("rate-limit-by-key.xml"));
    expect(result.policy.rateLimits).toEqual({
      "apim-rate-1": { requests: 10, window: "60s", key: ["clientIp"] },
    });
    expect(result.policy.rules[0]?.rateLimit).toBe("apim-rate-1");
    const report = result.notConverted.join("\n");
    expect(report).toContain(
      "counted per clientIp; behind APIM that is APIM's address unless TOLLGATE_TRUSTED_PROXIES trusts it",
    );
    expect(report).toContain("increment-condition");
    validates(result);
  });

  it("quota-by-key, expressions with raw && and < as published: 10000 per hour; bandwidth reported", () => {
    const result = convertApimPolicy(example("quota-by-key.xml"));
    expect(result.policy.rateLimits).toEqual({
      "apim-quota-1": { requests: 10000, window: "3600s", key: ["clientIp"] },
    });
    expect(result.notConverted.join("\n")).toContain("bandwidth");
    validates(result);
  });

  it("the user-identity key (the token's subject) becomes a per-objectId limit", () => {
    const result = convertApimPolicy(example("rate-limit-by-user-identity.xml"));
    expect(result.policy.rateLimits?.["apim-rate-1"]?.key).toEqual(["objectId"]);
    expect(result.notConverted.join("\n")).not.toContain("counter-key=");
  });
});

describe("an Entra-protected API's policy", () => {
  const xml = `<policies><inbound><base />
    <validate-jwt header-name="Authorization">
      <openid-config url="https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration" />
      <audiences><audience>api://orders</audience></audiences>
      <issuers><issuer>https://login.microsoftonline.com/${TENANT}/v2.0</issuer></issuers>
      <required-claims>
        <claim name="roles" match="any"><value>Orders.Read</value><value>Orders.Admin</value></claim>
        <claim name="scp" match="all" separator=" "><value>access_as_user</value></claim>
        <claim name="azp" match="any"><value>${CLIENT.toUpperCase()}</value></claim>
      </required-claims>
    </validate-jwt>
    <rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;,&quot;&quot;).AsJwt()?.Claims.GetValueOrDefault(&quot;tid&quot;))" />
  </inbound></policies>`;

  it("converts tenant, audience, version, roles (any), scopes (all), the client app and a per-tenant limit", () => {
    const result = convertApimPolicy(xml);
    expect(result.settings).toEqual({
      TOLLGATE_TENANTS: TENANT,
      TOLLGATE_AUDIENCES: "api://orders",
      TOLLGATE_TOKEN_VERSIONS: "2",
    });
    expect(result.policy.rules[0]).toEqual({
      id: "apim-api",
      methods: ["*"],
      path: "/**",
      require: {
        allOf: [
          { roles: { anyOf: ["Orders.Read", "Orders.Admin"] } },
          { scopes: { allOf: ["access_as_user"] } },
          { clientApps: [CLIENT] },
        ],
      },
      rateLimit: "apim-rate-1",
    });
    expect(result.policy.rateLimits?.["apim-rate-1"]).toEqual({
      requests: 100,
      window: "60s",
      key: ["tenant"],
    });
    expect(result.notConverted).toEqual([]);
    validates(result);
  });

  it("as a command: the role map on stdout validates, settings and the report on stderr", async () => {
    const file = `${process.env.TMPDIR ?? "/tmp"}/tollgate-import-${process.pid}.xml`;
    const { writeFileSync, rmSync } = await import("node:fs");
    writeFileSync(file, xml);
    let out = "";
    let err = "";
    const code = await runCli(["policy", "import-apim", file], {
      env: {},
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
    });
    rmSync(file);
    expect(code).toBe(0);
    expect(parsePolicy(out, "yaml").ok).toBe(true);
    expect(err).toContain(`TOLLGATE_TENANTS=${TENANT}`);
  });
});

describe("input that is not a policy", () => {
  it("refuses malformed XML and an unclosed expression with a clear error", () => {
    expect(() => convertApimPolicy("<policies><inbound>")).toThrow(ApimPolicyError);
    expect(() =>
      convertApimPolicy(`<policies><inbound><set-variable value="@(foo(" /></inbound></policies>`),
    ).toThrow(/never closed/);
  });
});
