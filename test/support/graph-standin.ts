// A loopback stand-in for Microsoft Graph. Graph itself cannot run here, so this serves only the
// endpoints the token-lifetime audit and the groups-overage lookup call, with the response shapes
// Graph's documentation shows:
//   GET /v1.0/policies/tokenLifetimePolicies                      (List tokenLifetimePolicies)
//   GET /v1.0/applications(appId='{appId}')/tokenLifetimePolicies (List assigned tokenLifetimePolicies,
//   GET /v1.0/applications/{id}/tokenLifetimePolicies              by client id or by object id)
//   POST /v1.0/users/{id}/getMemberObjects                        (getMemberObjects, for a user or
//   POST /v1.0/servicePrincipals/{id}/getMemberObjects             a service principal)
//   GET /v1.0/users/{id}?$select=signInSessionsValidFromDateTime   (Get user, one property)
// Errors use Graph's error body ({"error":{"code","message","innerError"}}). A bearer token is
// required; which one is the test's business (managed identity cannot run here either).

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInPolicy {
  id: string;
  displayName: string;
  isOrganizationDefault: boolean;
  /** "[d.]hh:mm:ss", as Entra writes it; undefined leaves it out of the definition. */
  accessTokenLifetime?: string;
}

export interface GraphApplication {
  /** Object id (`id`). */
  id: string;
  /** Application (client) id. */
  appId: string;
  /** Ids of the policies assigned to it. */
  policies: string[];
}

/**
 * `forbidden`: every call is 403; `forbidden-assignments`: only the per-application list is;
 * `unavailable`: every call is 503, as Graph answers when throttled or down.
 */
export type GraphMode = "ok" | "forbidden" | "forbidden-assignments" | "unavailable";

export interface GraphRequest {
  path: string;
  authorization: string | undefined;
  method?: string;
}

/** A directory object's memberships, for getMemberObjects. */
export interface StandInMember {
  /** Object id of the user or service principal. */
  id: string;
  kind: "user" | "servicePrincipal";
  securityGroups: string[];
  /** Microsoft 365 groups: returned only when securityEnabledOnly is false. */
  otherGroups?: string[];
  /** ISO 8601, as Graph writes it; users only. */
  signInSessionsValidFromDateTime?: string;
}

const POLICIES = "/v1.0/policies/tokenLifetimePolicies";
const BY_APP_ID = /^\/v1\.0\/applications\(appId='([^']+)'\)\/tokenLifetimePolicies$/;
const BY_OBJECT_ID = /^\/v1\.0\/applications\/([^/()]+)\/tokenLifetimePolicies$/;
const USER = /^\/v1\.0\/users\/([^/()]+)$/;
const MEMBER_OBJECTS = /^\/v1\.0\/(users|servicePrincipals)\/([^/()]+)\/getMemberObjects$/;

export class GraphStandIn {
  readonly url: string;
  readonly requests: GraphRequest[] = [];
  policies: StandInPolicy[] = [];
  applications: GraphApplication[] = [];
  members: StandInMember[] = [];
  mode: GraphMode = "ok";
  /** Held this long before answering (a slow Graph); 0 answers at once. */
  delayMs = 0;
  /** Items per page of the policy list; more are served through `@odata.nextLink`. */
  pageSize = 100;
  readonly #server: Server;

  static async start(): Promise<GraphStandIn> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new GraphStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
    server.on("request", (request, response) => this.#handle(request, response));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  /** A policy object exactly as Graph returns it. */
  #policyObject(policy: StandInPolicy): Record<string, unknown> {
    const definition = {
      TokenLifetimePolicy: {
        Version: 1,
        ...(policy.accessTokenLifetime ? { AccessTokenLifetime: policy.accessTokenLifetime } : {}),
      },
    };
    return {
      id: policy.id,
      deletedDateTime: null,
      definition: [JSON.stringify(definition)],
      displayName: policy.displayName,
      isOrganizationDefault: policy.isOrganizationDefault,
    };
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", this.url);
    const path = decodeURIComponent(url.pathname);
    this.requests.push({
      path,
      authorization: request.headers.authorization,
      method: request.method ?? "GET",
    });
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      const answer = MEMBER_OBJECTS.test(path)
        ? this.#memberObjects(request, path, body)
        : this.#answer(request, url, path);
      if (this.delayMs > 0) setTimeout(() => send(response, answer.status, answer.body), this.delayMs);
      else send(response, answer.status, answer.body);
    });
  }

  /** Requests for a user's sign-in sessions property so far. */
  sessionLookups(): GraphRequest[] {
    return this.requests.filter((r) => USER.test(r.path));
  }

  /** Requests for getMemberObjects so far. */
  memberLookups(): GraphRequest[] {
    return this.requests.filter((r) => MEMBER_OBJECTS.test(r.path));
  }

  #memberObjects(request: IncomingMessage, path: string, body: string): { status: number; body: unknown } {
    if (request.method !== "POST")
      return graphError(405, "Request_BadRequest", "getMemberObjects is a POST.");
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? "")) {
      return graphError(401, "InvalidAuthenticationToken", "Access token is empty.");
    }
    if (this.mode === "forbidden") {
      return graphError(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    }
    if (this.mode === "unavailable")
      return graphError(503, "serviceNotAvailable", "The service is unavailable.");
    let parsed: { securityEnabledOnly?: unknown };
    try {
      parsed = JSON.parse(body) as { securityEnabledOnly?: unknown };
    } catch {
      return graphError(400, "Request_BadRequest", "Invalid JSON body.");
    }
    if (typeof parsed.securityEnabledOnly !== "boolean") {
      return graphError(400, "Request_BadRequest", "securityEnabledOnly is required.");
    }
    const [, collection, id] = MEMBER_OBJECTS.exec(path) ?? [];
    const member = this.members.find(
      (m) => m.id === id && (m.kind === "user" ? "users" : "servicePrincipals") === collection,
    );
    if (member === undefined) {
      return graphError(
        404,
        "Request_ResourceNotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const value = parsed.securityEnabledOnly
      ? member.securityGroups
      : [...member.securityGroups, ...(member.otherGroups ?? [])];
    return {
      status: 200,
      body: { "@odata.context": `${this.url}/v1.0/$metadata#Collection(Edm.String)`, value },
    };
  }

  #answer(request: IncomingMessage, url: URL, path: string): { status: number; body: unknown } {
    if (request.method !== "GET") return graphError(405, "Request_BadRequest", "Only GET is served here.");
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? "")) {
      return graphError(401, "InvalidAuthenticationToken", "Access token is empty.");
    }
    const assignment = BY_APP_ID.exec(path) ?? BY_OBJECT_ID.exec(path);
    if (this.mode === "unavailable")
      return graphError(503, "serviceNotAvailable", "The service is unavailable.");
    if (this.mode === "forbidden" || (this.mode === "forbidden-assignments" && assignment !== null)) {
      return graphError(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    }
    const user = USER.exec(path);
    if (user !== null) {
      const member = this.members.find((m) => m.id === user[1] && m.kind === "user");
      if (member === undefined) {
        return graphError(
          404,
          "Request_ResourceNotFound",
          `Resource '${user[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      const select = url.searchParams.get("$select");
      return {
        status: 200,
        body: {
          "@odata.context": `${this.url}/v1.0/$metadata#users(${select ?? ""})/$entity`,
          ...(select === "signInSessionsValidFromDateTime"
            ? { signInSessionsValidFromDateTime: member.signInSessionsValidFromDateTime ?? null }
            : { id: member.id }),
        },
      };
    }
    if (path === POLICIES) {
      const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
      const page = this.policies.slice(skip, skip + this.pageSize).map((p) => this.#policyObject(p));
      const next =
        skip + this.pageSize < this.policies.length
          ? { "@odata.nextLink": `${this.url}${POLICIES}?$skiptoken=${skip + this.pageSize}` }
          : {};
      return {
        status: 200,
        body: {
          "@odata.context": `${this.url}/v1.0/$metadata#policies/tokenLifetimePolicies`,
          value: page,
          ...next,
        },
      };
    }
    if (assignment !== null) {
      const key = assignment[1] ?? "";
      const byAppId = BY_APP_ID.test(path);
      const app = this.applications.find((a) => (byAppId ? a.appId === key : a.id === key));
      if (app === undefined) {
        return graphError(
          404,
          "Request_ResourceNotFound",
          `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      const value = this.policies
        .filter((p) => app.policies.includes(p.id))
        .map((p) => this.#policyObject(p));
      return {
        status: 200,
        body: {
          "@odata.context": `${this.url}/v1.0/$metadata#directoryObjects(microsoft.graph.tokenLifetimePolicy)`,
          value,
        },
      };
    }
    return graphError(400, "BadRequest", `Resource not found for the segment '${path.split("/").pop()}'.`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type":
      "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "request-id": randomUUID(),
  });
  response.end(text);
}

/** Graph's error body. */
function graphError(status: number, code: string, message: string): { status: number; body: unknown } {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          "request-id": randomUUID(),
          "client-request-id": randomUUID(),
        },
      },
    },
  };
}
