// A loopback stand-in for Application Insights ingestion: an HTTPS server with a self-signed
// certificate made at start (trusted by a child process through NODE_EXTRA_CA_CERTS) that keeps
// every envelope the real Azure Monitor exporter sends to `POST /v2.1/track`.

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** One telemetry item as the exporter serializes it (the Breeze "envelope"). */
export interface Envelope {
  name: string;
  time: string;
  iKey?: string;
  sampleRate?: number;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The body as sent, gunzipped when it was gzip. */
  body: Buffer;
}

export interface TelemetryReceiver {
  /** For APPLICATIONINSIGHTS_CONNECTION_STRING: this receiver as the ingestion endpoint. */
  connectionString: string;
  instrumentationKey: string;
  /** The certificate (no key) for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  requests: ReceivedRequest[];
  envelopes: Envelope[];
  stop(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1. The private key lives only in memory: its file is
 * removed as soon as openssl has written it, and nothing is committed.
 */
function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "pipe" },
    );
  } catch (error) {
    throw new Error(`openssl could not make the receiver's certificate (is openssl installed?): ${error}`);
  }
  const key = readFileSync(keyFile);
  rmSync(keyFile);
  return { key, cert: readFileSync(certFile), certFile };
}

export async function startTelemetryReceiver(): Promise<TelemetryReceiver> {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-ingest-"));
  const { key, cert, certFile } = selfSignedCertificate(dir);
  const requests: ReceivedRequest[] = [];
  const envelopes: Envelope[] = [];

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      let accepted = 0;
      if (req.method === "POST" && req.url?.startsWith("/v2.1/track")) {
        const items = JSON.parse(body.toString("utf8")) as Envelope[];
        envelopes.push(...items);
        accepted = items.length;
      }
      // The ingestion service's answer; anything else makes the exporter retry or store to disk.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ itemsReceived: accepted, itemsAccepted: accepted, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const instrumentationKey = randomUUID();

  return {
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=https://127.0.0.1:${port}/`,
    instrumentationKey,
    caFile: certFile,
    requests,
    envelopes,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A host's settings for sending its telemetry here: the endpoint, its certificate, no statsbeat. */
export function exporterEnv(receiver: TelemetryReceiver): Record<string, string> {
  return {
    APPLICATIONINSIGHTS_CONNECTION_STRING: receiver.connectionString,
    NODE_EXTRA_CA_CERTS: receiver.caFile,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true",
  };
}
