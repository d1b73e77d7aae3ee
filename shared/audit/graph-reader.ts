// Reads collections from Microsoft Graph with a token from the app's identity: bounded in time and
// size, no redirects, `@odata.nextLink` followed only on Graph's own origin. Failures are
// GraphErrors that say which call failed and how.

import { printable } from "../printable.js";

/** What `@azure/identity` credentials offer (DefaultAzureCredential, ManagedIdentityCredential). */
export interface GraphCredential {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

export interface GraphReaderOptions {
  /** Graph's origin, e.g. https://graph.microsoft.com. */
  baseUrl: string;
  credential: GraphCredential;
  fetch?: typeof fetch;
  /** Per request, connect to last byte; default 10 000. */
  timeoutMs?: number;
}

export interface GraphReader {
  /** Every item of a collection (`value`), page after page; `path` is like `/v1.0/policies/...`. */
  list(path: string): Promise<unknown[]>;
}

export class GraphError extends Error {
  override readonly name = "GraphError";
  /** The path asked for, without the origin. */
  readonly path: string;
  /** Graph's HTTP status; undefined when no answer came (network, token, timeout). */
  readonly status: number | undefined;
  /** Graph's error code, e.g. `Authorization_RequestDenied`. */
  readonly code: string | undefined;

  constructor(
    path: string,
    message: string,
    details: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(
      `Microsoft Graph GET ${path}: ${message}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.path = path;
    this.status = details.status;
    this.code = details.code;
  }
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_PAGES = 20;

function errorOf(body: unknown): { code?: string; message?: string } {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return {
    ...(typeof error?.code === "string" ? { code: printable(error.code, 80) } : {}),
    ...(typeof error?.message === "string" ? { message: printable(error.message, 200) } : {}),
  };
}

export function createGraphReader(options: GraphReaderOptions): GraphReader {
  const origin = new URL(options.baseUrl).origin;
  const http = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scope = `${origin}/.default`;

  async function token(path: string): Promise<string> {
    let result: { token: string } | null;
    try {
      result = await options.credential.getToken(scope);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new GraphError(path, `no token for ${scope} (${printable(why, 200)})`, { cause: error });
    }
    if (result === null) throw new GraphError(path, `no token for ${scope}`);
    return result.token;
  }

  async function getPage(url: string, path: string): Promise<Record<string, unknown>> {
    const bearer = await token(path);
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await http(url, {
        signal,
        redirect: "error",
        headers: { accept: "application/json", authorization: `Bearer ${bearer}` },
      });
      status = response.status;
      const declared = Number(response.headers.get("content-length") ?? Number.NaN);
      if (declared > MAX_BODY_BYTES) {
        await response.body?.cancel();
        throw new GraphError(path, `answer of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte cap`, {
          status,
        });
      }
      text = await response.text();
      if (text.length > MAX_BODY_BYTES) throw new GraphError(path, "answer is over the size cap", { status });
    } catch (error) {
      if (error instanceof GraphError) throw error;
      const why = signal.aborted
        ? `no answer within ${timeoutMs} ms`
        : `request failed (${printable(String(error), 120)})`;
      throw new GraphError(path, why, { cause: error });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status !== 200) {
      const { code, message } = errorOf(body);
      throw new GraphError(
        path,
        `answered HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`,
        {
          status,
          ...(code ? { code } : {}),
        },
      );
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new GraphError(path, "answer is not a JSON object", { status });
    }
    return body as Record<string, unknown>;
  }

  return {
    async list(path) {
      const items: unknown[] = [];
      let url: string | undefined = `${origin}${path}`;
      for (let page = 0; url !== undefined; page++) {
        if (page === MAX_PAGES) throw new GraphError(path, `more than ${MAX_PAGES} pages`);
        const body = await getPage(url, path);
        if (!Array.isArray(body.value)) throw new GraphError(path, "answer has no value array");
        items.push(...body.value);
        const next = body["@odata.nextLink"];
        url = undefined;
        if (typeof next === "string") {
          // The token must never go anywhere but Graph.
          if (new URL(next, origin).origin !== origin)
            throw new GraphError(path, "nextLink leads off Graph's origin");
          url = new URL(next, origin).href;
        }
      }
      return items;
    },
  };
}
