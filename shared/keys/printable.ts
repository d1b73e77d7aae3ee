// Makes an untrusted string (a kid from a token, a snippet of a response body) safe to put in a
// message or a log line: printable ASCII only, and short.

const NOT_PRINTABLE = /[^\x20-\x7e]/g;

/** At most `max` characters of `value`, anything outside printable ASCII replaced by `?`. */
export function printable(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}...` : value;
  return cut.replace(NOT_PRINTABLE, "?");
}
