// Keep-alive connection pools to the backends, one per origin, made on first use and kept for
// the life of the process so requests reuse warm connections instead of paying a handshake each.

import { Pool } from "undici";

export class BackendPools {
  readonly #pools = new Map<string, Pool>();

  /** The pool for `origin`. The connect timeout belongs to the pool, so it is part of the key. */
  pool(origin: string, connectMs: number): Pool {
    const key = `${connectMs} ${origin}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Pool(origin, { connect: { timeout: connectMs } });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes every pool: waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Closes every pool at once, failing requests in flight. */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

/** The pools forwardRequest uses unless told otherwise. */
export const sharedBackendPools = new BackendPools();
