// Makes an untrusted string (a kid from a token, a snippet of a response body, an error from a
// dependency) safe to put in a message or a log line: printable ASCII only, and short.

const NOT_PRINTABLE = /[^\x20-\x7e]/g;

/** At most `max` characters of `value`, anything outside printable ASCII replaced by `?`. */
export function printable(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}...` : value;
  return cut.replace(NOT_PRINTABLE, "?");
}

/** An error's message as a log line or an event may carry it: printable, at most 300 characters. */
export function messageOf(error: unknown): string {
  return printable(error instanceof Error ? error.message : String(error), 300);
}
