// One bounded GET of a JSON document from Entra: a timeout over the whole exchange, no redirects,
// a size cap, 200 and a JSON object required. Failures are KeyFetchErrors that quote little.

import { printable } from "../printable.js";
import { KeyFetchError } from "./key-fetch-error.js";

/** Entra's documents are a few KiB; a larger answer is not one of them. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface FetchJsonOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return printable(String(error), 100);
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, …) in `cause`.
  const cause =
    error.cause instanceof Error
      ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}`
      : "";
  return printable(`${error.message}${cause}`, 100);
}

async function readCapped(url: string, response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new KeyFetchError(url, `answer declares ${declared} bytes, over the ${MAX_BODY_BYTES}-byte cap`);
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new KeyFetchError(url, `answer is over the ${MAX_BODY_BYTES}-byte cap`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function isJsonType(contentType: string | null): boolean {
  if (contentType === null) return true;
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json");
}

/** GETs `url` and returns its JSON object, or throws KeyFetchError naming the URL and the fault. */
export async function fetchJsonObject(
  url: string,
  options: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  // One signal covers connecting, the headers and the body: a server that trickles still times out.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let body: Uint8Array;
  try {
    const response = await options.fetch(url, {
      signal,
      redirect: "error",
      headers: { accept: "application/json" },
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new KeyFetchError(url, `answered HTTP ${response.status}, not 200`);
    }
    if (!isJsonType(response.headers.get("content-type"))) {
      await response.body?.cancel();
      throw new KeyFetchError(
        url,
        `answered ${printable(response.headers.get("content-type") ?? "", 60)}, not JSON`,
      );
    }
    body = await readCapped(url, response);
  } catch (error) {
    if (error instanceof KeyFetchError) throw error;
    if (signal.aborted) {
      throw new KeyFetchError(url, `no complete answer within ${options.timeoutMs} ms`, { cause: error });
    }
    throw new KeyFetchError(url, `request failed (${describeFailure(error)})`, { cause: error });
  }

  let text = "";
  let parsed: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFetchError(
      url,
      `answer is not JSON (starts ${JSON.stringify(printable(text.trimStart(), 60))})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new KeyFetchError(url, "answer is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}
