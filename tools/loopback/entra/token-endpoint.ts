// The v2.0 token endpoint for the client-credentials grant, answering as Entra does: the scope
// must be one `{Application ID URI or app id}/.default`, an RFC 8707 `resource` must name the same
// API exactly (else AADSTS9010010), and the token's `aud` is the API's app id (a GUID), whatever
// the client asked for.

import type { MintOptions } from "./claims.js";

/** An API (resource) app registration: its app id and Application ID URI. */
export interface ApiRegistration {
  appId: string;
  applicationIdUri: string;
}

/** A confidential client with a secret and the app roles it was granted on each API (by app id). */
export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  appRoles?: Readonly<Record<string, readonly string[]>>;
}

export type TokenAnswer = { status: number; body: Record<string, unknown> };

function entraError(status: number, error: string, code: string, text: string): TokenAnswer {
  return {
    status,
    body: { error, error_description: `${code}: ${text}`, error_codes: [Number(code.slice(5))] },
  };
}

function clientCredentials(form: URLSearchParams, authorization: string | undefined) {
  if (authorization?.startsWith("Basic ")) {
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  return { id: form.get("client_id") ?? "", secret: form.get("client_secret") ?? "" };
}

/** The token request's answer; `mint` makes the token from the claims Entra would put in it. */
export async function answerTokenRequest(
  form: URLSearchParams,
  authorization: string | undefined,
  tenant: string,
  registry: { apis: readonly ApiRegistration[]; clients: readonly ClientRegistration[] },
  mint: (options: MintOptions) => Promise<string>,
): Promise<TokenAnswer> {
  const { id, secret } = clientCredentials(form, authorization);
  const client = registry.clients.find((c) => c.clientId === id);
  if (client === undefined) {
    return entraError(
      400,
      "unauthorized_client",
      "AADSTS700016",
      `Application with identifier '${id}' was not found.`,
    );
  }
  if (client.clientSecret !== secret) {
    return entraError(401, "invalid_client", "AADSTS7000215", "Invalid client secret provided.");
  }
  if (form.get("grant_type") !== "client_credentials") {
    return entraError(
      400,
      "unsupported_grant_type",
      "AADSTS70003",
      "The app requested an unsupported grant type.",
    );
  }
  const scope = (form.get("scope") ?? "").trim();
  if (!scope.endsWith("/.default") || scope.includes(" ")) {
    return entraError(
      400,
      "invalid_scope",
      "AADSTS1002012",
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
    );
  }
  const named = scope.slice(0, -"/.default".length);
  const api = registry.apis.find(
    (a) => a.applicationIdUri === named || a.appId === named || `api://${a.appId}` === named,
  );
  if (api === undefined) {
    return entraError(
      400,
      "invalid_resource",
      "AADSTS500011",
      `The resource principal named ${named} was not found.`,
    );
  }
  const resource = form.get("resource");
  if (resource !== null && resource !== named) {
    return entraError(
      400,
      "invalid_target",
      "AADSTS9010010",
      "The resource parameter provided in the request doesn't match with the requested scopes.",
    );
  }
  const roles = client.appRoles?.[api.appId] ?? [];
  const accessToken = await mint({
    kind: "app",
    tid: tenant,
    aud: api.appId,
    clientAppId: client.clientId,
    ...(roles.length > 0 ? { roles: [...roles] } : {}),
  });
  return {
    status: 200,
    body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
  };
}
