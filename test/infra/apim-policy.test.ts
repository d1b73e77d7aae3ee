// infra/apim/policy.xml: a well-formed policy document that hands tollgate the caller's own
// Authorization header whatever inherited policies do, and sets the bypass-defence header from
// the secret named value main.bicep creates.

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { readText } from "./support/infra-files.js";

const xml = readText("infra/apim/policy.xml");

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

// preserveOrder keeps the order of siblings, which is what "before <base />" is about.
function parse(source: string): Element[] {
  type Raw = Record<string, unknown> & { ":@"?: Record<string, string> };
  const convert = (raw: Raw): Element | undefined => {
    const name = Object.keys(raw).find((key) => key !== ":@");
    if (name === undefined || name === "#comment") return undefined;
    if (name === "#text") return { name, attributes: {}, children: [], text: String(raw[name]) };
    const children = (raw[name] as Raw[]).map(convert).filter((e): e is Element => e !== undefined);
    const text = children
      .filter((c) => c.name === "#text")
      .map((c) => c.text)
      .join("");
    return { name, attributes: raw[":@"] ?? {}, children: children.filter((c) => c.name !== "#text"), text };
  };
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    commentPropName: "#comment",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  });
  return (parser.parse(source) as Raw[]).map(convert).filter((e): e is Element => e !== undefined);
}

function all(elements: Element[]): Element[] {
  return elements.flatMap((e) => [e, ...all(e.children)]);
}

const document = parse(xml);
const policies = document.find((e) => e.name === "policies");
const section = (name: string) => policies?.children.find((e) => e.name === name);
const isAuthorizationHeader = (e: Element) =>
  e.name === "set-header" && e.attributes.name?.toLowerCase() === "authorization";

describe("infra/apim/policy.xml", () => {
  it("is a well-formed policy document with the four sections", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(policies).toBeDefined();
    expect(policies?.children.map((e) => e.name)).toEqual(["inbound", "backend", "outbound", "on-error"]);
  });

  it("forwards the caller's Authorization header, even past inherited policies", () => {
    const inbound = section("inbound")?.children ?? [];
    const base = inbound.findIndex((e) => e.name === "base");
    expect(base, "inbound must include <base />").toBeGreaterThanOrEqual(0);
    // A copy of the caller's header, taken before anything inherited runs...
    const capture = inbound.findIndex(
      (e) =>
        e.name === "set-variable" &&
        /context\.Request\.Headers\.GetValueOrDefault\("Authorization"/.test(e.attributes.value ?? ""),
    );
    expect(capture, "capture Authorization in a variable before <base />").toBeGreaterThanOrEqual(0);
    expect(capture).toBeLessThan(base);
    const variable = inbound[capture]?.attributes.name as string;
    // ...put back after it, replacing whatever is there by then.
    const restore = all(inbound.slice(base + 1)).find(isAuthorizationHeader);
    expect(restore?.attributes["exists-action"]).toBe("override");
    const value = restore?.children.find((e) => e.name === "value")?.text ?? "";
    expect(value).toBe(`@((string)context.Variables["${variable}"])`);
  });

  it("never drops Authorization or swaps in a token of APIM's own", () => {
    const elements = all(document);
    for (const header of elements.filter(isAuthorizationHeader)) {
      expect(header.attributes["exists-action"]).not.toBe("delete");
    }
    const managedIdentity = elements.filter((e) => e.name === "authentication-managed-identity");
    for (const e of managedIdentity) expect(e.attributes["output-token-variable-name"]).toBeDefined();
    expect(elements.some((e) => e.name === "authentication-basic")).toBe(false);
  });

  it("sets X-Tollgate-Gateway-Key from the secret named value, replacing any the caller sent", () => {
    const inbound = all(section("inbound")?.children ?? []);
    const key = inbound.find(
      (e) => e.name === "set-header" && e.attributes.name?.toLowerCase() === "x-tollgate-gateway-key",
    );
    expect(key?.attributes["exists-action"]).toBe("override");
    expect(key?.children.find((e) => e.name === "value")?.text).toBe("{{tollgate-gateway-key}}");
  });

  it("removes a caller's x-ms-invocation-id after inherited policies, never setting one", () => {
    const inbound = section("inbound")?.children ?? [];
    const base = inbound.findIndex((e) => e.name === "base");
    const named = (e: Element) => e.attributes.name?.toLowerCase() === "x-ms-invocation-id";
    const removal = inbound.findIndex((e) => e.name === "set-header" && named(e));
    expect(removal, "a set-header for x-ms-invocation-id in inbound").toBeGreaterThan(base);
    expect(inbound[removal]?.attributes["exists-action"]).toBe("delete");
    // Nothing else in the document sets it (a value of APIM's own would win at the host too).
    const others = all(document).filter((e) => e.name === "set-header" && named(e));
    expect(others.map((e) => e.attributes["exists-action"])).toEqual(["delete"]);
  });

  it("replaces X-Forwarded-Host and -Proto with what the caller used to reach APIM, after inherited policies", () => {
    const inbound = section("inbound")?.children ?? [];
    const base = inbound.findIndex((e) => e.name === "base");
    for (const [header, expression] of [
      ["x-forwarded-host", "@(context.Request.OriginalUrl.Host)"],
      ["x-forwarded-proto", "@(context.Request.OriginalUrl.Scheme)"],
    ] as const) {
      const at = inbound.findIndex(
        (e) => e.name === "set-header" && e.attributes.name?.toLowerCase() === header,
      );
      expect(at, `a set-header for ${header} after <base />`).toBeGreaterThan(base);
      expect(inbound[at]?.attributes["exists-action"]).toBe("override");
      expect(inbound[at]?.children.find((e) => e.name === "value")?.text?.trim()).toBe(expression);
    }
  });

  it("sends requests to tollgate, whose address is a named value", () => {
    const backend = all(section("inbound")?.children ?? []).find((e) => e.name === "set-backend-service");
    expect(backend?.attributes["base-url"]).toBe("{{tollgate-backend-url}}");
  });
});
