// The request headers for the backend, kept in the HTTP client's own form: name, value, name,
// value. Building a web Headers only to take it apart again for undici cost about 5% of a
// request's CPU in the profile (every append validates and lowercases, every read sorts).

/**
 * Names are lowercase and values already valid (they come from a web Headers, or are escaped by
 * header-value.ts), so nothing is checked again here; the HTTP client still refuses a value with
 * CR, LF or NUL before anything is sent.
 */
export class HeaderList implements Iterable<[string, string]> {
  readonly #flat: string[] = [];

  /** Copies a web Headers (or any name/value pairs) as they iterate. */
  static from(pairs: Iterable<[string, string]>): HeaderList {
    const list = new HeaderList();
    for (const [name, value] of pairs) list.#flat.push(name, value);
    return list;
  }

  /** Adds one more value for `name` (lowercase). */
  append(name: string, value: string): void {
    this.#flat.push(name, value);
  }

  /** Replaces every value of `name` (lowercase) with this one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.#flat.push(name, value);
  }

  delete(name: string): void {
    const flat = this.#flat;
    for (let i = flat.length - 2; i >= 0; i -= 2) if (flat[i] === name) flat.splice(i, 2);
  }

  /** The values of `name` joined by ", ", as a web Headers reads them; null when absent. */
  get(name: string): string | null {
    let joined: string | null = null;
    const flat = this.#flat;
    for (let i = 0; i < flat.length; i += 2) {
      if (flat[i] !== name) continue;
      const value = flat[i + 1] as string;
      joined = joined === null ? value : `${joined}, ${value}`;
    }
    return joined;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** The HTTP client's form; read only. */
  get flat(): readonly string[] {
    return this.#flat;
  }

  /** Each name once, in the order first added. */
  keys(): string[] {
    const names = new Set<string>();
    for (let i = 0; i < this.#flat.length; i += 2) names.add(this.#flat[i] as string);
    return [...names];
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    const flat = this.#flat;
    for (let i = 0; i < flat.length; i += 2) yield [flat[i] as string, flat[i + 1] as string];
  }
}
