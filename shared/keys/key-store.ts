// The signing-key store: keys from memory, else the Table snapshot, else Entra. Re-reads the
// snapshot the timer keeps fresh, refreshes in the background, looks again once per cooldown for
// an unknown kid, retires keys Entra removed after a grace, and answers 503 (never 401) when it
// has no usable keys.

import type { Clock } from "../clock.js";
import type { KeySettings } from "../config/settings.js";
import { messageOf, printable } from "../printable.js";
import { TollgateError } from "../reasons.js";
import { fetchKeySet } from "./fetch-key-set.js";
import { KeyFetchError } from "./key-fetch-error.js";
import {
  commitKeySet,
  type InstalledSet,
  type KeyMaterial,
  type PreparedSet,
  prepareKeySet,
} from "./key-set-install.js";
import { keySetPrint } from "./key-set-print.js";
import type { KeySnapshot, KeySnapshotTable } from "./key-snapshot-table.js";
import type { KeyStoreEvent, KeyStoreEventListener } from "./key-store-events.js";
import { retireRemovedKeys } from "./retired-keys.js";
import type { KeySet, KeySource, SigningKeys, VerificationKey } from "./types.js";

export interface KeyStoreDeps {
  /** The authority origin; discovery documents and JWKS must come from it. */
  authority: string;
  algorithms: readonly string[];
  keys: KeySettings;
  /** Without it the store works from Entra alone (and a cold instance waits on Entra). */
  snapshotTable?: KeySnapshotTable;
  clock: Clock;
  fetch?: typeof fetch;
  onEvent?: KeyStoreEventListener;
}

export interface KeySourceStatus {
  sourceId: string;
  /** When the keys held were fetched from Entra (ms since epoch); absent when none are held. */
  fetchedAt?: number;
  ageSeconds?: number;
  keyCount: number;
  /** Why the last fetch failed; absent once a fetch succeeds. */
  lastError?: string;
  /** The keys are older than the refresh interval: neither the timer nor this instance got newer ones. */
  stale?: true;
  /** The timer's last refresh of the stored keys failed (time in ms, and why); they were kept. */
  refreshFailure?: { at: number; error: string };
}

/** A source's keys (the installed set) and what this instance knows of fetching them. */
interface SourceState extends InstalledSet {
  source: KeySource;
  /** The last time this instance asked Entra, successful or not. */
  lastAttemptAt: number | undefined;
  lastError: string | undefined;
  lastFailure: unknown;
  /** What the Table holds, as far as this instance knows: decides whether a fetch is worth writing. */
  stored: { fetchedAt: number; fingerprint: string } | undefined;
  /** The last time this instance read the Table snapshot. */
  lastCheckAt: number | undefined;
  /** The timer's last refresh failure, as the snapshot records it. */
  refreshFailure: { at: number; error: string } | undefined;
  loading: Promise<KeySet> | undefined;
  refreshing: Promise<KeySet> | undefined;
  checking: Promise<void> | undefined;
  writing: Promise<void> | undefined;
}

/** What a refresh must achieve for the Table snapshot alone to do, without asking Entra. */
type Enough = (set: KeySet) => boolean;

export class KeyStore implements SigningKeys {
  readonly #deps: KeyStoreDeps;
  readonly #origin: string;
  readonly #sources = new Map<string, SourceState>();
  readonly #graceMs: number;
  /** Background refreshes and snapshot writes, so tests and shutdown can wait for them. */
  readonly #background = new Set<Promise<void>>();

  constructor(deps: KeyStoreDeps) {
    this.#deps = deps;
    // Parsed here so that a wrong authority fails at start, not on the first request.
    this.#origin = new URL(deps.authority).origin;
    this.#graceMs = (deps.keys.removedKeyGraceSeconds ?? 0) * 1000;
  }

  async keySet(source: KeySource): Promise<KeySet> {
    const state = this.#state(source);
    const set = state.current ?? (await this.#load(state));
    const age = this.#now() - set.fetchedAt;
    if (age > this.#deps.keys.maxStalenessSeconds * 1000) return this.#refreshStale(state);
    if (age > this.#deps.keys.refreshSeconds * 1000) this.#refreshInBackground(state);
    else this.#checkSnapshotInBackground(state);
    return set;
  }

  publishedKeyNow(source: KeySource, kid: string): VerificationKey | undefined {
    const state = this.#sources.get(source.id);
    const set = state?.current;
    if (state === undefined || set === undefined) return undefined;
    // Past the refresh interval keySet starts a refresh (or, past the staleness limit, waits for
    // one or refuses): that is getKey's to decide.
    const { refreshSeconds, maxStalenessSeconds } = this.#deps.keys;
    if (this.#now() - set.fetchedAt > Math.min(refreshSeconds, maxStalenessSeconds) * 1000) return undefined;
    this.#checkSnapshotInBackground(state);
    return this.#usable(set.keys.get(kid));
  }

  async getKey(source: KeySource, kid: string): Promise<VerificationKey> {
    const held = (await this.keySet(source)).keys.get(kid);
    const known = this.#usable(held);
    if (known !== undefined) return known;
    const name = JSON.stringify(printable(kid));
    // A key past its removed-key grace is known to be gone: asking again would not bring it back
    // (if Entra publishes it again, the timer's snapshot says so within a snapshot check).
    if (held !== undefined) {
      throw new TollgateError(
        "key_not_found",
        `The signing key with kid ${name} is no longer published for ${source.id}.`,
      );
    }

    // An unknown kid may be a key Entra has just rotated in: look in the Table snapshot (the timer
    // may have it already), then ask Entra. At most once per cooldown and once for every request
    // waiting: kids come from callers, who may be attackers.
    const state = this.#state(source);
    if (state.refreshing !== undefined || !this.#inCooldown(state)) {
      try {
        await this.#refresh(state, (set) => this.#usable(set.keys.get(kid)) !== undefined);
      } catch {
        // Recorded by #refresh; the last good set stays in place.
      }
    }
    const found = this.#usable(state.current?.keys.get(kid));
    if (found !== undefined) return found;
    // Without a recent good answer from Entra the kid may well be real: that is key trouble (503).
    if (state.lastError !== undefined) throw this.#unavailable(state);
    throw new TollgateError(
      "key_not_found",
      `No signing key with kid ${name} is published for ${source.id}.`,
    );
  }

  /** Loads every source, so the first request does not wait. Failures show in status() and events. */
  async warm(sources: readonly KeySource[]): Promise<void> {
    await Promise.allSettled(sources.map((source) => this.keySet(source)));
  }

  status(): KeySourceStatus[] {
    const now = this.#now();
    return [...this.#sources.values()].map((state) => {
      const entry: KeySourceStatus = { sourceId: state.source.id, keyCount: state.current?.keys.size ?? 0 };
      if (state.current !== undefined) {
        entry.fetchedAt = state.current.fetchedAt;
        entry.ageSeconds = Math.max(0, Math.floor((now - state.current.fetchedAt) / 1000));
      }
      if (state.lastError !== undefined) entry.lastError = state.lastError;
      if (
        state.current !== undefined &&
        now - state.current.fetchedAt > this.#deps.keys.refreshSeconds * 1000
      ) {
        entry.stale = true;
      }
      if (state.refreshFailure !== undefined) entry.refreshFailure = { ...state.refreshFailure };
      return entry;
    });
  }

  /** Resolves once no background refresh or snapshot write is in flight (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  #now(): number {
    return this.#deps.clock.now();
  }

  #state(source: KeySource): SourceState {
    let state = this.#sources.get(source.id);
    if (state === undefined) {
      state = {
        source,
        current: undefined,
        currentPrint: undefined,
        imported: new Map(),
        lastAttemptAt: undefined,
        lastError: undefined,
        lastFailure: undefined,
        stored: undefined,
        material: undefined,
        lastCheckAt: undefined,
        refreshFailure: undefined,
        loading: undefined,
        refreshing: undefined,
        checking: undefined,
        writing: undefined,
      };
      this.#sources.set(source.id, state);
    }
    return state;
  }

  #emit(event: KeyStoreEvent): void {
    try {
      this.#deps.onEvent?.(event);
    } catch {
      // Telemetry must not decide whether a token is verified.
    }
  }

  /** `work` must not reject: nobody awaits it, so a rejection would go unhandled. */
  #track(work: Promise<void>): void {
    this.#background.add(work);
    const done = () => this.#background.delete(work);
    work.then(done, done);
  }

  /** The key, unless it is retired and its grace is over. */
  #usable(key: VerificationKey | undefined): VerificationKey | undefined {
    if (key?.retiredUntil !== undefined && this.#now() >= key.retiredUntil) return undefined;
    return key;
  }

  #inCooldown(state: SourceState): boolean {
    return (
      state.lastAttemptAt !== undefined &&
      this.#now() - state.lastAttemptAt < this.#deps.keys.refetchCooldownSeconds * 1000
    );
  }

  #unavailable(state: SourceState): TollgateError {
    const nextAttempt = (state.lastAttemptAt ?? this.#now()) + this.#deps.keys.refetchCooldownSeconds * 1000;
    return new TollgateError(
      "keys_unavailable",
      `Signing keys for ${state.source.id} could not be loaded from Entra ID; try again later.`,
      {
        retryAfterSeconds: Math.max(1, Math.ceil((nextAttempt - this.#now()) / 1000)),
        cause: state.lastFailure,
      },
    );
  }

  /** The first load of a source, shared by every request that arrives before it ends. */
  #load(state: SourceState): Promise<KeySet> {
    if (state.loading !== undefined) return state.loading;
    // Entra just failed us and there is nothing to fall back on: do not ask again per request.
    if (state.lastError !== undefined && this.#inCooldown(state)) {
      return Promise.reject(this.#unavailable(state));
    }
    const loading = this.#coldLoad(state).finally(() => {
      state.loading = undefined;
    });
    state.loading = loading;
    return loading;
  }

  async #coldLoad(state: SourceState): Promise<KeySet> {
    state.lastCheckAt = this.#now();
    const snapshot = await this.#readSnapshot(state);
    if (snapshot !== undefined) {
      state.refreshFailure = snapshot.refreshFailure;
      // A snapshot from the future (clock skew, tampering) must not look fresh forever.
      const fetchedAt = Math.min(snapshot.fetchedAt, this.#now());
      const age = this.#now() - fetchedAt;
      if (age <= this.#deps.keys.maxStalenessSeconds * 1000) {
        try {
          const set = this.#commit(state, await this.#prepare(state, snapshot, fetchedAt));
          state.stored = { fetchedAt: snapshot.fetchedAt, fingerprint: keySetPrint(snapshot) };
          this.#emit({
            type: "snapshot_loaded",
            sourceId: state.source.id,
            keyCount: set.keys.size,
            ageSeconds: Math.floor(age / 1000),
          });
          return set;
        } catch (error) {
          this.#emit({ type: "snapshot_problem", sourceId: state.source.id, problem: messageOf(error) });
        }
      }
    }
    try {
      return await this.#refresh(state);
    } catch {
      throw this.#unavailable(state);
    }
  }

  async #readSnapshot(state: SourceState): Promise<KeySnapshot | undefined> {
    const table = this.#deps.snapshotTable;
    if (table === undefined) return undefined;
    const sourceId = state.source.id;
    try {
      return await table.read(sourceId, (problem) =>
        this.#emit({ type: "snapshot_problem", sourceId, problem }),
      );
    } catch (error) {
      this.#emit({ type: "snapshot_read_failed", sourceId, error: messageOf(error) });
      return undefined;
    }
  }

  /** The set is too old to trust: only a newer snapshot or a fresh fetch will do. */
  async #refreshStale(state: SourceState): Promise<KeySet> {
    if (state.refreshing === undefined && state.lastError !== undefined && this.#inCooldown(state)) {
      throw this.#unavailable(state);
    }
    const maxAgeMs = this.#deps.keys.maxStalenessSeconds * 1000;
    try {
      return await this.#refresh(state, (set) => this.#now() - set.fetchedAt <= maxAgeMs);
    } catch {
      throw this.#unavailable(state);
    }
  }

  #refreshInBackground(state: SourceState): void {
    if (state.refreshing !== undefined || this.#inCooldown(state)) return;
    const refreshMs = this.#deps.keys.refreshSeconds * 1000;
    // The failure is recorded in the state and reported as an event; nobody awaits this.
    this.#track(
      this.#refresh(state, (set) => this.#now() - set.fetchedAt <= refreshMs).then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  /**
   * Re-reads the Table snapshot every `snapshotCheckSeconds`, so that what the timer wrote (a
   * rotation, a removed key, a refresh failure) reaches this instance without a restart and
   * without asking Entra. One point read per source per interval, never awaited by a request.
   */
  #checkSnapshotInBackground(state: SourceState): void {
    const everySeconds = this.#deps.keys.snapshotCheckSeconds;
    if (everySeconds === undefined || this.#deps.snapshotTable === undefined) return;
    if (state.checking !== undefined || state.refreshing !== undefined || state.loading !== undefined) return;
    if (state.lastCheckAt !== undefined && this.#now() - state.lastCheckAt < everySeconds * 1000) return;
    const checking = this.#adoptSnapshot(state).then(
      () => undefined,
      () => undefined,
    );
    state.checking = checking;
    this.#track(
      checking.finally(() => {
        state.checking = undefined;
      }),
    );
  }

  /**
   * Takes the Table snapshot when it is newer than the set held (and not past the staleness
   * horizon); always takes its note of the timer's last failure. True when the set changed.
   */
  async #adoptSnapshot(state: SourceState): Promise<boolean> {
    state.lastCheckAt = this.#now();
    const snapshot = await this.#readSnapshot(state);
    if (snapshot === undefined) return false;
    state.refreshFailure = snapshot.refreshFailure;
    const fetchedAt = Math.min(snapshot.fetchedAt, this.#now());
    const newer = () => state.current === undefined || fetchedAt > state.current.fetchedAt;
    if (!newer() || this.#now() - fetchedAt > this.#deps.keys.maxStalenessSeconds * 1000) return false;
    let prepared: PreparedSet;
    try {
      prepared = await this.#prepare(state, snapshot, fetchedAt);
    } catch (error) {
      this.#emit({ type: "snapshot_problem", sourceId: state.source.id, problem: messageOf(error) });
      return false;
    }
    // A fetch from Entra may have installed a newer set while the keys were imported.
    if (!newer()) return false;
    const set = this.#commit(state, prepared);
    state.stored = { fetchedAt: snapshot.fetchedAt, fingerprint: keySetPrint(snapshot) };
    this.#emit({
      type: "snapshot_adopted",
      sourceId: state.source.id,
      keyCount: set.keys.size,
      ageSeconds: Math.floor((this.#now() - fetchedAt) / 1000),
    });
    return true;
  }

  /**
   * One refresh at a time per source; every caller meanwhile shares its outcome. With `enough`,
   * the Table snapshot is tried first and Entra is asked only when it does not satisfy it.
   */
  #refresh(state: SourceState, enough?: Enough): Promise<KeySet> {
    if (state.refreshing !== undefined) return state.refreshing;
    const refreshing = this.#sync(state, enough).finally(() => {
      state.refreshing = undefined;
    });
    state.refreshing = refreshing;
    return refreshing;
  }

  async #sync(state: SourceState, enough: Enough | undefined): Promise<KeySet> {
    if (enough !== undefined && this.#deps.snapshotTable !== undefined) {
      // Counts as an attempt: the cooldown also bounds how often callers make us read the Table.
      state.lastAttemptAt = this.#now();
      await this.#adoptSnapshot(state);
      if (state.current !== undefined && enough(state.current)) return state.current;
    }
    return this.#fetch(state);
  }

  async #fetch(state: SourceState): Promise<KeySet> {
    const sourceId = state.source.id;
    state.lastAttemptAt = this.#now();
    try {
      const fetched = await fetchKeySet(state.source, {
        authority: this.#origin,
        algorithms: this.#deps.algorithms,
        timeoutMs: this.#deps.keys.fetchTimeoutMs,
        fetch: this.#deps.fetch,
      });
      for (const problem of fetched.rejected) this.#emit({ type: "key_rejected", sourceId, problem });

      const before = state.currentPrint;
      const fetchedAt = this.#now();
      const published = retireRemovedKeys(state.material, fetched.keys, fetchedAt, this.#graceMs);
      const material = { issuer: fetched.issuer, jwksUri: fetched.jwksUri, ...published };
      const prepared = await this.#prepare(state, material, fetchedAt);
      const set = this.#commit(state, prepared);
      // What made it in: a key WebCrypto refused is not written to the snapshot either.
      const { keys, retired } = prepared.material;
      state.lastError = undefined;
      state.lastFailure = undefined;
      this.#emit({
        type: "fetched",
        sourceId,
        keyCount: set.keys.size,
        changed: state.currentPrint !== before,
      });
      this.#writeSnapshot(state, {
        issuer: fetched.issuer,
        jwksUri: fetched.jwksUri,
        fetchedAt,
        keys,
        retired,
      });
      return set;
    } catch (error) {
      if (error instanceof KeyFetchError) {
        for (const problem of error.rejected) this.#emit({ type: "key_rejected", sourceId, problem });
      }
      state.lastError = messageOf(error);
      state.lastFailure = error;
      this.#emit({ type: "fetch_failed", sourceId, error: state.lastError });
      throw error;
    }
  }

  #prepare(state: SourceState, material: KeyMaterial, fetchedAt: number): Promise<PreparedSet> {
    const sourceId = state.source.id;
    return prepareKeySet(material, {
      sourceId,
      algorithms: this.#deps.algorithms,
      previous: state.imported,
      fetchedAt,
      now: this.#now(),
      graceMs: this.#graceMs,
      onRejected: (problem) => this.#emit({ type: "key_rejected", sourceId, problem }),
    });
  }

  /** Makes a prepared set the source's current one, and tells of keys newly retired. */
  #commit(state: SourceState, prepared: PreparedSet): KeySet {
    for (const entry of commitKeySet(state, prepared)) {
      this.#emit({
        type: "key_retired",
        sourceId: state.source.id,
        kid: entry.key.kid,
        usableUntil: entry.removedAt + this.#graceMs,
      });
    }
    return prepared.set;
  }

  /**
   * Writes the snapshot when the Table's copy is missing, different, or old enough that a cold
   * instance would misjudge the keys' age. Never awaited by a request; failures are only reported.
   */
  #writeSnapshot(state: SourceState, snapshot: KeySnapshot): void {
    const table = this.#deps.snapshotTable;
    if (table === undefined) return;
    const print = keySetPrint(snapshot);
    const stored = state.stored;
    const halfRefreshMs = (this.#deps.keys.refreshSeconds * 1000) / 2;
    if (stored?.fingerprint === print && snapshot.fetchedAt - stored.fetchedAt < halfRefreshMs) return;

    const sourceId = state.source.id;
    // Chained, so that two writes of one source never race and the later set is the one left.
    const writing = (state.writing ?? Promise.resolve()).then(() =>
      table.write(sourceId, snapshot).then(
        () => {
          state.stored = { fetchedAt: snapshot.fetchedAt, fingerprint: print };
          this.#emit({ type: "snapshot_written", sourceId, keyCount: snapshot.keys.length });
        },
        (error: unknown) => this.#emit({ type: "snapshot_write_failed", sourceId, error: messageOf(error) }),
      ),
    );
    state.writing = writing;
    this.#track(
      writing.finally(() => {
        if (state.writing === writing) state.writing = undefined;
      }),
    );
  }
}
