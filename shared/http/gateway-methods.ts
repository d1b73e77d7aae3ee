// The methods the gateway trigger registers with the Functions host (functions/gateway.ts): the
// host answers any other method itself, so tollgate never sees it, and a rule naming one would
// never match. The policy validator refuses such a rule (policy-schema.ts).

export const GATEWAY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

export type GatewayMethod = (typeof GATEWAY_METHODS)[number];

export function isGatewayMethod(method: string): method is GatewayMethod {
  return (GATEWAY_METHODS as readonly string[]).includes(method);
}
