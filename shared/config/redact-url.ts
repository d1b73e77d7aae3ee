// A URL as it may be shown in an error, a log line or CLI output: user info and query values
// (an Azure Functions `?code=` key, a SAS signature) are replaced, the rest is kept so the
// operator still recognises which URL is meant. Works on text that does not parse as a URL too.

export function redactUrl(raw: string): string {
  return raw
    .replace(/(\/\/)[^/?#@\s]*@/, "$1***@")
    .replace(/([?&][^=&#\s]*=)[^&#\s]*/g, "$1***")
    .replace(/#.*$/, "#***");
}
