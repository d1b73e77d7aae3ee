// A caller for fault tests: its own connection pool (so a test can close every connection it
// made and then count what the gateway still holds), answers reduced to one outcome label.

import { Pool } from "undici";

export interface Caller {
  /** `200`, `502 backend_unavailable`, `200 body-error` (the answer broke off mid-body), … */
  call(path: string, token: string | undefined, init?: { method?: string; body?: Buffer }): Promise<string>;
  close(): Promise<void>;
}

export function caller(baseUrl: string, connections = 16): Caller {
  const pool = new Pool(baseUrl, { connections });
  return {
    async call(path, token, init = {}) {
      const answer = await pool.request({
        method: (init.method ?? "GET") as "GET",
        path,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        body: init.body ?? null,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      let text: string;
      try {
        text = await answer.body.text();
      } catch {
        return `${answer.statusCode} body-error`;
      }
      if (!String(answer.headers["content-type"]).startsWith("application/problem+json")) {
        return String(answer.statusCode);
      }
      const { reason } = JSON.parse(text) as { reason?: string };
      return `${answer.statusCode} ${reason}`;
    },
    close: () => pool.destroy(),
  };
}
