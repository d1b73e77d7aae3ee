// The shape every entry point adapts to: a web-standard Request and what the host knows about
// the connection, in; a Response, out.

export interface RequestContext {
  /** The caller's address as the host saw it (never taken from a client-supplied header). */
  clientIp: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

export type RequestHandler = (request: Request, context: RequestContext) => Promise<Response>;
