// `tollgate policy import-apim`: an APIM policy document (the XML of an API's or operation's
// policy) turned into what tollgate needs for the same checks: settings (tenants, audiences,
// client apps, token versions) and a role map (one rule for every path, its requirements, its
// rate limits). Whatever has no tollgate equivalent is reported, never dropped silently.
//
// Read: validate-jwt and validate-azure-ad-token (tenant, openid-config, issuers, audiences,
// client-application-ids, required-claims with match="any|all"), rate-limit-by-key and
// quota-by-key (calls, renewal-period, counter-key). roles, scp, groups, tid and azp/appid become
// their own requirements, aud an audience, any other claim a `claims:` requirement.

import { XMLParser, XMLValidator } from "fast-xml-parser";

type XmlNode = Record<string, unknown>;
type Attributes = Record<string, string>;

export interface ApimConversion {
  /** TOLLGATE_* settings, name to value, only those the XML determines. */
  settings: Record<string, string>;
  /** A policy document for `tollgate policy validate|push` (plain data, YAML- or JSON-ready). */
  policy: {
    version: 1;
    rateLimits?: Record<string, { requests: number; window: string; key: string[] }>;
    rules: { id: string; methods: ["*"]; path: "/**"; require?: object; rateLimit?: string }[];
  };
  /** One line per element or attribute that could not be converted, saying why. */
  notConverted: string[];
}

export class ApimPolicyError extends Error {
  override readonly name = "ApimPolicyError";
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAMED_VALUE = /\{\{[^}]+\}\}/;
const EXPRESSION = /^@[({]/;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

// APIM reads policy expressions (`@(...)`, `@{...}`) before XML: published policies carry raw
// `"`, `&&` and `<` inside them, which no XML parser takes. Each expression is set aside under a
// placeholder, as APIM does, and put back in the values read.
const PLACEHOLDER = /__tollgate_expression_(\d+)__/g;

function setExpressionsAside(xml: string): { xml: string; expressions: string[] } {
  const expressions: string[] = [];
  let out = "";
  let i = 0;
  while (i < xml.length) {
    const open = xml[i + 1];
    if (xml[i] !== "@" || (open !== "(" && open !== "{")) {
      out += xml[i];
      i++;
      continue;
    }
    const close = open === "(" ? ")" : "}";
    let depth = 0;
    let j = i + 1;
    for (; j < xml.length; j++) {
      const c = xml[j];
      if (c === '"' || c === "'") {
        // A C# string or char literal: skip to its end, over escaped quotes.
        for (j++; j < xml.length && xml[j] !== c; j++) if (xml[j] === "\\") j++;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) break;
    }
    if (j >= xml.length)
      throw new ApimPolicyError(`a policy expression starting at character ${i} is never closed`);
    expressions.push(xml.slice(i, j + 1));
    out += `__tollgate_expression_${expressions.length - 1}__`;
    i = j + 1;
  }
  return { xml: out, expressions };
}

let restoring: string[] = [];
const ENTITIES: Record<string, string> = { quot: '"', apos: "'", lt: "<", gt: ">", amp: "&" };
/** The value with its expressions back, their XML entities read (a policy may escape them or not). */
function restored(value: string): string {
  return value.replace(PLACEHOLDER, (_, n: string) =>
    (restoring[Number(n)] ?? "").replace(/&(quot|apos|lt|gt|amp);/g, (_, e: string) => ENTITIES[e] ?? ""),
  );
}

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ":@");
}
function childrenOf(node: XmlNode): XmlNode[] {
  const tag = tagOf(node);
  const value = tag ? node[tag] : undefined;
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}
function attributesOf(node: XmlNode): Attributes {
  const raw = (node[":@"] as Attributes | undefined) ?? {};
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, restored(String(value))]));
}
function textOf(node: XmlNode): string {
  return childrenOf(node)
    .filter((child) => tagOf(child) === "#text")
    .map((child) => restored(String(child["#text"])))
    .join("")
    .trim();
}
function elements(node: XmlNode, tag?: string): XmlNode[] {
  return childrenOf(node).filter((child) => {
    const name = tagOf(child);
    return name !== "#text" && name !== "#comment" && (tag === undefined || name === tag);
  });
}

/** Why a value cannot be used as it stands, or undefined when it is a plain literal. */
function notLiteral(value: string): string | undefined {
  if (NAMED_VALUE.test(value)) return "is a named value: put its value in";
  if (EXPRESSION.test(value)) return "is a policy expression, which tollgate does not evaluate";
  return undefined;
}

/** Tenant and token version from an Entra issuer or metadata URL; undefined for anything else. */
function entraTenantOf(url: string): { tenant: string; version: "1" | "2" } | undefined {
  const v1 = /^https:\/\/sts\.windows\.net\/([^/]+)\/?$/i.exec(url);
  if (v1?.[1]) return { tenant: v1[1], version: "1" };
  const login =
    /^https:\/\/login\.microsoftonline\.com\/([^/]+)(\/v2\.0)?(\/\.well-known\/openid-configuration|\/)?$/i.exec(
      url,
    );
  if (login?.[1]) return { tenant: login[1], version: login[2] ? "2" : "1" };
  return undefined;
}

interface Accumulated {
  tenants: Set<string>;
  versions: Set<string>;
  audiences: Set<string>;
  clientApps: Set<string>;
  requirements: object[];
  notConverted: string[];
}

function addTenant(acc: Accumulated, tenant: string, where: string): void {
  if (GUID.test(tenant)) acc.tenants.add(tenant.toLowerCase());
  else if (tenant === "organizations" || tenant === "common")
    acc.notConverted.push(
      `${where}: '${tenant}' accepts every tenant; tollgate's equivalent is TOLLGATE_TENANTS=* (with tenant conditions on role rules): set it yourself if that is meant`,
    );
  else
    acc.notConverted.push(`${where}: tenant '${tenant}' is not a tenant id; TOLLGATE_TENANTS takes the GUID`);
}

const CLAIM_REQUIREMENT: Record<string, "roles" | "scopes" | "groups"> = {
  roles: "roles",
  scp: "scopes",
  groups: "groups",
};

function requiredClaims(node: XmlNode, where: string, acc: Accumulated): void {
  for (const claim of elements(node, "claim")) {
    const { name = "", match = "all", separator } = attributesOf(claim);
    const values = elements(claim, "value").map(textOf);
    const at = `${where} <claim name="${name}">`;
    const unusable = values.map((v) => notLiteral(v)).find((why) => why !== undefined);
    if (unusable || values.length === 0) {
      acc.notConverted.push(`${at}: a value ${unusable ?? "is missing"}`);
      continue;
    }
    // scp is one space-separated claim; a separator splits values the same way tollgate does.
    const split = separator ? values.flatMap((v) => v.split(separator).map((s) => s.trim())) : values;
    const mode = match === "any" ? "anyOf" : "allOf";
    const key = CLAIM_REQUIREMENT[name];
    if (key) acc.requirements.push({ [key]: { [mode]: split } });
    else if (name === "tid" || name === "azp" || name === "appid") {
      if (mode === "allOf" && split.length > 1) {
        acc.notConverted.push(
          `${at}: match="all" over several values can never hold for a single-valued claim`,
        );
        continue;
      }
      const bad = split.filter((v) => !GUID.test(v));
      if (bad.length > 0) {
        acc.notConverted.push(`${at}: '${bad[0]}' is not a GUID`);
        continue;
      }
      acc.requirements.push({
        [name === "tid" ? "tenants" : "clientApps"]: split.map((v) => v.toLowerCase()),
      });
    } else if (name === "aud") {
      for (const value of split) acc.audiences.add(value);
    } else if (/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      // Any other claim: exact values or membership, as APIM compares them.
      acc.requirements.push({ claims: { [name]: { [mode]: split } } });
    } else {
      acc.notConverted.push(`${at}: '${name}' is not a claim name tollgate can require`);
    }
  }
}

function tokenValidation(node: XmlNode, tag: string, acc: Accumulated): void {
  const attributes = attributesOf(node);
  const where = `<${tag}>`;
  if (attributes["header-name"] && attributes["header-name"].toLowerCase() !== "authorization")
    acc.notConverted.push(
      `${where} header-name="${attributes["header-name"]}": tollgate reads the Authorization header only`,
    );
  for (const other of ["query-parameter-name", "token-value"])
    if (attributes[other])
      acc.notConverted.push(`${where} ${other}: tollgate reads the Authorization header only`);
  if (attributes["failed-validation-error-message"] || attributes["failed-validation-httpcode"])
    acc.notConverted.push(
      `${where} failed-validation-*: tollgate answers with its own 401/403, reason code and RFC 6750 challenge`,
    );
  if (tag === "validate-azure-ad-token") {
    const tenant = attributes["tenant-id"] ?? "";
    const why = notLiteral(tenant);
    if (why) acc.notConverted.push(`${where} tenant-id ${why} (TOLLGATE_TENANTS)`);
    else addTenant(acc, tenant, `${where} tenant-id`);
  }
  for (const child of elements(node)) {
    const name = tagOf(child) ?? "";
    const at = `${where} <${name}>`;
    switch (name) {
      case "openid-config": {
        const url = attributesOf(child).url ?? "";
        const entra = entraTenantOf(url);
        if (!entra) acc.notConverted.push(`${at}: '${url}' is not an Entra ID metadata URL`);
        else {
          addTenant(acc, entra.tenant, at);
          acc.versions.add(entra.version);
        }
        break;
      }
      case "issuers":
        for (const issuer of elements(child, "issuer")) {
          const value = textOf(issuer);
          const entra = entraTenantOf(value);
          if (!entra) acc.notConverted.push(`${at}: '${value}' is not an Entra ID issuer`);
          else {
            addTenant(acc, entra.tenant, at);
            acc.versions.add(entra.version);
          }
        }
        break;
      case "audiences":
        for (const audience of elements(child, "audience")) {
          const value = textOf(audience);
          const why = notLiteral(value);
          if (why) acc.notConverted.push(`${at}: '${value}' ${why} (TOLLGATE_AUDIENCES)`);
          else acc.audiences.add(value);
        }
        break;
      case "client-application-ids":
        for (const app of elements(child, "application-id")) {
          const value = textOf(app);
          const why = notLiteral(value);
          if (why) acc.notConverted.push(`${at}: '${value}' ${why} (TOLLGATE_CLIENT_APPS)`);
          else if (!GUID.test(value)) acc.notConverted.push(`${at}: '${value}' is not a GUID`);
          else acc.clientApps.add(value.toLowerCase());
        }
        break;
      case "backend-application-ids":
        acc.notConverted.push(`${at}: the API's own application id belongs in TOLLGATE_AUDIENCES`);
        break;
      case "required-claims":
        requiredClaims(child, where, acc);
        break;
      default:
        acc.notConverted.push(
          `${at}: tollgate takes signing keys from Entra's discovery documents and accepts no other keys`,
        );
    }
  }
}

/** counter-key expressions tollgate has a key for: a verified claim, or the caller's address. */
function limitKeyOf(expression: string): string[] | undefined {
  const compact = expression.replace(/\s+/g, "");
  if (/AsJwt\(\)\?\.Subject\)?$|Claims(\.GetValueOrDefault\(|\[)"(oid|sub)"/.test(compact))
    return ["objectId"];
  if (/Claims(\.GetValueOrDefault\(|\[)"(azp|appid)"/.test(compact)) return ["clientApp"];
  if (/Claims(\.GetValueOrDefault\(|\[)"tid"/.test(compact)) return ["tenant"];
  if (/^@\(?context\.Request\.IpAddress\)?$/.test(compact)) return ["clientIp"];
  return undefined;
}

function rateLimit(
  node: XmlNode,
  tag: string,
  index: number,
  acc: Accumulated,
  limits: ApimConversion["policy"]["rateLimits"] & object,
): string | undefined {
  const attributes = attributesOf(node);
  const where = `<${tag}>`;
  const calls = Number(attributes.calls);
  const period = Number(attributes["renewal-period"]);
  if (!Number.isSafeInteger(calls) || calls < 1 || !Number.isSafeInteger(period) || period < 1) {
    acc.notConverted.push(
      `${where}: calls and renewal-period must be whole numbers (expressions and named values are not read)`,
    );
    return undefined;
  }
  const counterKey = attributes["counter-key"] ?? "";
  let key = limitKeyOf(counterKey);
  if (!key) {
    acc.notConverted.push(
      `${where} counter-key="${counterKey}": tollgate counts only per verified claims (objectId, clientApp, tenant) or clientIp; converted as per objectId, change it if another key is meant`,
    );
    key = ["objectId"];
  }
  if (key[0] === "clientIp")
    acc.notConverted.push(
      `${where}: counted per clientIp; behind APIM that is APIM's address unless TOLLGATE_TRUSTED_PROXIES trusts it (README, "Behind APIM or Front Door")`,
    );
  if (key[0] === "objectId" && /Subject/.test(counterKey))
    acc.notConverted.push(
      `${where}: counted per objectId (oid); Entra's sub is per application, oid per user: the same callers`,
    );
  for (const ignored of [
    "increment-condition",
    "increment-count",
    "bandwidth",
    "retry-after-header-name",
    "remaining-calls-header-name",
    "remaining-calls-variable-name",
    "total-calls-header-name",
  ])
    if (attributes[ignored])
      acc.notConverted.push(
        `${where} ${ignored}: not converted (tollgate counts every authorised request and sends RateLimit headers)`,
      );
  const name = `apim-${tag === "quota-by-key" ? "quota" : "rate"}-${index}`;
  limits[name] = { requests: calls, window: `${period}s`, key };
  return name;
}

export function convertApimPolicy(source: string): ApimConversion {
  const aside = setExpressionsAside(source);
  // A fragment (an inbound section's policies without <policies>) is read as the inbound section.
  const fragment = !/<policies[\s>]/.test(aside.xml);
  const xml = fragment ? `<inbound>${aside.xml.replace(/^\s*<\?xml[^>]*\?>/, "")}</inbound>` : aside.xml;
  const expressions = aside.expressions;
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new ApimPolicyError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  restoring = expressions;
  const document = parser.parse(xml) as XmlNode[];
  const root = document.find((node) => tagOf(node) === "policies");
  const inbound = root ? elements(root, "inbound")[0] : document.find((node) => tagOf(node) === "inbound");
  if (!inbound) throw new ApimPolicyError("the policy has no <inbound> section");

  const acc: Accumulated = {
    tenants: new Set(),
    versions: new Set(),
    audiences: new Set(),
    clientApps: new Set(),
    requirements: [],
    notConverted: [],
  };
  const limits: NonNullable<ApimConversion["policy"]["rateLimits"]> = {};
  const limitNames: string[] = [];
  let index = 0;
  for (const node of elements(inbound)) {
    const tag = tagOf(node) ?? "";
    if (tag === "base") continue;
    if (tag === "validate-jwt" || tag === "validate-azure-ad-token") tokenValidation(node, tag, acc);
    else if (tag === "rate-limit-by-key" || tag === "quota-by-key") {
      const name = rateLimit(node, tag, ++index, acc, limits);
      if (name) limitNames.push(name);
    } else acc.notConverted.push(`<${tag}>: no tollgate equivalent; not converted`);
  }
  for (const section of ["backend", "outbound", "on-error"])
    for (const node of root ? elements(elements(root, section)[0] ?? {}) : [])
      if (tagOf(node) !== "base") acc.notConverted.push(`<${section}> <${tagOf(node)}>: not converted`);

  const settings: Record<string, string> = {};
  if (acc.tenants.size > 0) settings.TOLLGATE_TENANTS = [...acc.tenants].join(",");
  if (acc.audiences.size > 0) settings.TOLLGATE_AUDIENCES = [...acc.audiences].join(",");
  if (acc.clientApps.size > 0) settings.TOLLGATE_CLIENT_APPS = [...acc.clientApps].join(",");
  if (acc.versions.size > 0) settings.TOLLGATE_TOKEN_VERSIONS = [...acc.versions].sort().join(",");

  // A rule takes one rate limit: the first; the others are reported.
  for (const extra of limitNames.slice(1))
    acc.notConverted.push(
      `rate limit ${extra}: a tollgate rule takes one rate limit; only ${limitNames[0]} is attached (${extra} is defined, unused)`,
    );
  const requirement =
    acc.requirements.length === 0
      ? undefined
      : acc.requirements.length === 1
        ? acc.requirements[0]
        : { allOf: acc.requirements };
  const rule: ApimConversion["policy"]["rules"][number] = { id: "apim-api", methods: ["*"], path: "/**" };
  if (requirement) rule.require = requirement;
  if (limitNames[0]) rule.rateLimit = limitNames[0];
  const policy: ApimConversion["policy"] = { version: 1, rules: [rule] };
  if (limitNames.length > 0) policy.rateLimits = limits;
  return { settings, policy, notConverted: acc.notConverted };
}
