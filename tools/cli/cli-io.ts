// What a CLI command may touch of the outside world, passed in so tests run it in-process.

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Relative file names are read from here; the process's directory when omitted. */
  cwd?: string;
  /** Standard input, for values that must not be arguments (`explain --token -`). */
  stdin?: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  /**
   * The time, in ms since the epoch, that every command reading "now" uses (`access --since
   * 30d` and its 30-day default, `revoke --issued-before now` and `--expires 90m`, which
   * revocations have expired, the tenants' created and updated times); `Date.now` when omitted. Given, a caller whose records carry another
   * clock's times (a test's) reads them with that clock.
   */
  now?: () => number;
}

/** Exit codes: 0 done; 1 the answer is no (invalid policy, differences, nothing stored); 2 usage; 3 storage. */
export const EXIT = { ok: 0, no: 1, usage: 2, storage: 3 } as const;

/** A failure the CLI explains in one message and ends on, with its exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}
