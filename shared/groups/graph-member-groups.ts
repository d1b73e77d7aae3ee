// One caller's security groups from Microsoft Graph (getMemberObjects with securityEnabledOnly),
// with the app's own identity: bounded in time and size, no redirects, so the token goes to
// Graph's origin only. Used when a token had too many groups to list them (groups overage).

import type { GraphCredential } from "../audit/graph-reader.js";
import { GraphError } from "../audit/graph-reader.js";
import { guid } from "../config/parsers.js";
import { printable } from "../keys/printable.js";

export interface MemberGroupsOptions {
  /** Graph's origin, e.g. https://graph.microsoft.com. */
  baseUrl: string;
  credential: GraphCredential;
  fetch?: typeof fetch;
  timeoutMs: number;
}

/** Graph's `value` for a user in tens of thousands of groups stays well under this. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type MemberGroupsLookup = (kind: "user" | "app", objectId: string) => Promise<string[]>;

/**
 * A lookup that resolves to the group ids (lower-cased), or to [] when Graph does not know the
 * object (a caller from another tenant: the app's identity reads its own directory only).
 */
export function createMemberGroupsLookup(options: MemberGroupsOptions): MemberGroupsLookup {
  const origin = new URL(options.baseUrl).origin;
  const http = options.fetch ?? globalThis.fetch;
  const scope = `${origin}/.default`;

  return async (kind, objectId) => {
    if (!guid.test(objectId)) throw new RangeError("objectId must be a GUID");
    const path = `/v1.0/${kind === "user" ? "users" : "servicePrincipals"}/${objectId}/getMemberObjects`;
    let bearer: string;
    try {
      const result = await options.credential.getToken(scope);
      if (result === null) throw new Error("the credential returned no token");
      bearer = result.token;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new GraphError(path, `no token for ${scope} (${printable(why, 200)})`, { cause: error });
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await http(`${origin}${path}`, {
        method: "POST",
        signal,
        redirect: "error",
        headers: {
          accept: "application/json",
          "content-type": "application/json",
          authorization: `Bearer ${bearer}`,
        },
        body: JSON.stringify({ securityEnabledOnly: true }),
      });
      status = response.status;
      if (Number(response.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
        await response.body?.cancel();
        throw new GraphError(path, "answer is over the size cap", { status });
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof GraphError) throw error;
      const why = signal.aborted
        ? `no answer within ${options.timeoutMs} ms`
        : `request failed (${printable(String(error), 120)})`;
      throw new GraphError(path, why, { cause: error });
    }
    if (text.length > MAX_BODY_BYTES) throw new GraphError(path, "answer is over the size cap", { status });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (status === 404 && code === "Request_ResourceNotFound") return [];
    if (status !== 200) {
      throw new GraphError(
        path,
        `answered HTTP ${status}${typeof code === "string" ? ` ${printable(code, 80)}` : ""}`,
        {
          status,
          ...(typeof code === "string" ? { code: printable(code, 80) } : {}),
        },
      );
    }
    const value = (body as { value?: unknown } | undefined)?.value;
    if (!Array.isArray(value) || !value.every((id) => typeof id === "string")) {
      throw new GraphError(path, "answer has no value array of ids", { status });
    }
    return value.map((id) => id.toLowerCase());
  };
}
