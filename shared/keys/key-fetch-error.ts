// The one error fetching keys from Entra throws. The key store turns it into `keys_unavailable`
// (or keeps its last good keys); it never reaches a caller as a 401.

export class KeyFetchError extends Error {
  override readonly name = "KeyFetchError";
  /** The URL whose answer was wrong (the discovery document or the JWKS). */
  readonly url: string;
  /** Why each JWKS member was refused, when the JWKS had no usable key: reported one by one. */
  readonly rejected: readonly string[];

  constructor(url: string, message: string, options: { cause?: unknown; rejected?: readonly string[] } = {}) {
    super(`${url}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.url = url;
    this.rejected = options.rejected ?? [];
  }
}
