// Groups for callers whose token had too many to list (groups overage), asked of Graph at most
// once per caller per TTL: cached per tenant + object id with a size bound, one lookup in flight
// per caller shared by every request waiting on it, and a failure remembered briefly so an outage
// does not become one Graph call per request either.

import type { Clock } from "../clock.js";
import type { MemberGroupsLookup } from "./graph-member-groups.js";

export interface GroupResolverOptions {
  lookup: MemberGroupsLookup;
  clock: Clock;
  ttlSeconds: number;
  maxEntries: number;
  /** How long a failed lookup is answered from memory before Graph is asked again. */
  failureSeconds: number;
  /** Told of every Graph call and how it went (telemetry, logs); never throws into the resolver. */
  onLookup?: (outcome: { ok: true; groups: number } | { ok: false; error: string }) => void;
}

type Entry = { groups: readonly string[]; until: number } | { error: Error; until: number };

export class GroupResolver {
  readonly #options: GroupResolverOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<readonly string[]>>();

  constructor(options: GroupResolverOptions) {
    this.#options = options;
  }

  /** The caller's security group ids (lower-cased); throws the Graph failure. */
  async groupsOf(caller: {
    tenantId: string;
    objectId: string;
    kind: "user" | "app";
  }): Promise<readonly string[]> {
    const key = `${caller.tenantId.toLowerCase()}:${caller.objectId.toLowerCase()}`;
    const now = this.#options.clock.now();
    const cached = this.#entries.get(key);
    if (cached !== undefined && now < cached.until) {
      if ("error" in cached) throw cached.error;
      return cached.groups;
    }
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#ask(key, caller).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #ask(key: string, caller: { objectId: string; kind: "user" | "app" }): Promise<readonly string[]> {
    const { lookup, clock, ttlSeconds, failureSeconds } = this.#options;
    try {
      const groups = await lookup(caller.kind, caller.objectId.toLowerCase());
      this.#store(key, { groups, until: clock.now() + ttlSeconds * 1000 });
      this.#report({ ok: true, groups: groups.length });
      return groups;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#store(key, { error: failure, until: clock.now() + failureSeconds * 1000 });
      this.#report({ ok: false, error: failure.message });
      throw failure;
    }
  }

  #store(key: string, entry: Entry): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#options.maxEntries) {
      // Oldest first (insertion order; a refreshed entry moves to the end).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  #report(outcome: Parameters<NonNullable<GroupResolverOptions["onLookup"]>>[0]): void {
    try {
      this.#options.onLookup?.(outcome);
    } catch {
      // Reporting never changes an answer.
    }
  }
}
