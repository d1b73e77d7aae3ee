// The shape every entry point adapts to: a web-standard Request and what the host knows about
// the connection, in; a Response, out.

export interface RequestContext {
  /** The immediate peer's address as the host saw it (never taken from a client-supplied header). */
  clientIp: string;
  /**
   * True when the host's own front end appended `clientIp` as the last X-Forwarded-For entry (the
   * Functions host does): a trusted-proxy walk (caller-view.ts) starts left of it.
   */
  peerInForwardedFor?: boolean;
  /**
   * Aborts when the client goes away. Absent where the host does not say (the Functions host):
   * backend timeouts then bound the call, and no listener is added for an abort that never comes
   * (EventTarget's addEventListener and removeEventListener were 1% of the Functions path's CPU).
   */
  signal?: AbortSignal | undefined;
}

/**
 * What the core reads of a request: a web-standard Request has it, and so does @azure/functions'
 * HttpRequest, whose getters read the Request the library built. Handing that over as it is spares
 * the Functions path a second Request per call (a URL parse, a Headers copy and an AbortSignal).
 */
export type IncomingRequest = Pick<Request, "method" | "url" | "headers" | "body">;

export type RequestHandler = (request: IncomingRequest, context: RequestContext) => Promise<Response>;
