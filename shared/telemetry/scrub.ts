// Text headed for telemetry that someone else wrote (an error message, a finding's summary, a
// request path) with anything shaped like a token or an email address cut out: telemetry never
// carries either, whoever wrote the text.

// Three base64url parts with a JSON header (`eyJ`), signed or not; five for an encrypted token.
// Each pattern only starts where a run of its characters starts (the lookbehind), so a long
// hostile path costs linear time, not quadratic.
const TOKEN = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,4}/g;
// A local part and a dotted domain, the shape of both `email` and `upn`. No `/` in the local
// part (RFC 5322 allows it, nobody uses it), so a path keeps its segments.
const EMAIL =
  /(?<![A-Za-z0-9.!#$%&'*+=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

export function scrub(text: string): string {
  return text.replace(TOKEN, "[token]").replace(EMAIL, "[email]");
}
