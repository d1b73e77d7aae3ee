// One JSON call to Microsoft Graph on the request path, with the app's identity: bounded in time
// and size, no redirects (the token goes to Graph's origin only). Failures are GraphErrors.

import type { GraphCredential } from "../audit/graph-reader.js";
import { GraphError } from "../audit/graph-reader.js";
import { printable } from "../printable.js";

export interface GraphCallOptions {
  /** Graph's origin, e.g. https://graph.microsoft.com. */
  baseUrl: string;
  credential: GraphCredential;
  fetch?: typeof fetch;
  timeoutMs: number;
}

/** Graph's answers here (ids, one property) stay well under this. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface GraphAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  /** Graph's error code (`Request_ResourceNotFound`, …), when the body carries one. */
  code: string | undefined;
}

export async function callGraph(
  options: GraphCallOptions,
  path: string,
  init: { method: "GET" } | { method: "POST"; json: unknown },
): Promise<GraphAnswer> {
  const origin = new URL(options.baseUrl).origin;
  const scope = `${origin}/.default`;
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
    const response = await (options.fetch ?? globalThis.fetch)(`${origin}${path}`, {
      method: init.method,
      signal,
      redirect: "error",
      headers: {
        accept: "application/json",
        authorization: `Bearer ${bearer}`,
        ...(init.method === "POST" ? { "content-type": "application/json" } : {}),
      },
      ...(init.method === "POST" ? { body: JSON.stringify(init.json) } : {}),
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
  return { status, body, code: typeof code === "string" ? printable(code, 80) : undefined };
}

/** The failure for an answer that is not a 200. */
export function graphStatusError(path: string, answer: GraphAnswer): GraphError {
  return new GraphError(path, `answered HTTP ${answer.status}${answer.code ? ` ${answer.code}` : ""}`, {
    status: answer.status,
    ...(answer.code ? { code: answer.code } : {}),
  });
}
