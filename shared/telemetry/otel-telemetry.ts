// Telemetry over the OpenTelemetry API, which the Azure Monitor distro exports to Application
// Insights: one SERVER span per decision (a `requests` row) for the decisions tollgate's own
// sampler keeps, decision metrics (never sampled), custom events as log records the exporter
// turns into `customEvents`.

import {
  context,
  isSpanContextValid,
  metrics,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { logs, SeverityNumber } from "@opentelemetry/api-logs";
import type { TelemetrySettings } from "../config/telemetry-settings.js";
import { traceIdFor } from "../http/trace-id.js";
import {
  type DecisionAttributeOptions,
  decisionAttributes,
  decisionMeasurements,
  decisionMetricAttributes,
} from "./decision-attributes.js";
import { createDecisionSampler, type DecisionSampler, SAMPLE_RATE_ATTRIBUTE } from "./decision-sampler.js";
import { DECISION_ATTRIBUTES, METRIC_ATTRIBUTES, METRICS } from "./names.js";
import { scrub } from "./scrub.js";
import type { EventProperties, KeyAge, Telemetry } from "./telemetry.js";

/** The exporter sends a log record carrying this attribute as a custom event of that name. */
const CUSTOM_EVENT_NAME = "microsoft.custom_event.name";
/** A JSON object of numbers the exporter sends as the item's `customMeasurements`. */
const CUSTOM_MEASUREMENTS = "microsoft.custom_measurements";

const SCOPE = "tollgate";

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * A decision not sampled: no span is made (nothing recorded, nothing exported), but the request
 * keeps the trace id a sampled one would have had, the caller's (or the invocation's) or a new one.
 */
function unsampledSpan(parent: ReturnType<typeof context.active>, headers: Headers): Span {
  const parentContext = trace.getSpanContext(parent);
  const traceId =
    parentContext && isSpanContextValid(parentContext) ? parentContext.traceId : traceIdFor(headers);
  // Never exported or propagated: any valid span id does.
  return trace.wrapSpanContext({ traceId, spanId: traceId.slice(16), traceFlags: TraceFlags.NONE });
}

export type OtelTelemetryOptions = DecisionAttributeOptions &
  Pick<TelemetrySettings, "tracesPerSecond" | "samplingRatio">;

/**
 * Reads the global providers, so call it after the distro has started (instruments taken from the
 * no-op meter stay no-ops). Without a started distro every span context is invalid and the trace
 * id falls back to the caller's traceparent or a fresh one. The distro is started keeping every
 * span (start-telemetry.ts): `sampler` decides here which decisions get one.
 */
export function createOtelTelemetry(
  options: OtelTelemetryOptions,
  sampler: DecisionSampler = createDecisionSampler(options),
): Telemetry {
  const tracer = trace.getTracer(SCOPE);
  const meter = metrics.getMeter(SCOPE);
  const logger = logs.getLogger(SCOPE);

  const counter = (name: string, description: string, unit: string) =>
    meter.createCounter(name, { description, unit });
  const histogram = (name: string, description: string, unit: string) =>
    meter.createHistogram(name, { description, unit });
  const decisions = counter(METRICS.decisions, "Decisions by outcome and reason", "{decision}");
  const verifyDuration = histogram(METRICS.verifyDuration, "Time to validate a token", "ms");
  const backendDuration = histogram(METRICS.backendDuration, "Time until the backend's status line", "ms");
  const storageOperations = counter(
    METRICS.rateLimitStorageOperations,
    "Table Storage calls made by rate limiting",
    "{operation}",
  );
  const keyAgeReaders = new Set<() => readonly KeyAge[]>();
  meter
    .createObservableGauge(METRICS.keyAge, {
      description: "Age of the signing keys held, per key source",
      unit: "s",
    })
    .addCallback((result) => {
      for (const read of keyAgeReaders) {
        for (const source of read()) {
          if (source.ageSeconds !== undefined) {
            result.observe(source.ageSeconds, { [METRIC_ATTRIBUTES.keySource]: source.sourceId });
          }
        }
      }
    });

  return {
    begin(request, callerUrl) {
      const started = performance.now();
      // The URL as the caller made it (a trusted front end's host and scheme), when the gateway has it.
      const url = callerUrl ?? new URL(request.url);
      // The path is the caller's to choose: one shaped like a token or an email is not repeated.
      const path = scrub(url.pathname);
      // The caller's traceparent when it sent one; else the active context (in Functions, the
      // invocation's, which the distro's hook makes active), else a new trace.
      const parent = propagation.extract(context.active(), request.headers, headerGetter);
      // The draw is tollgate's, not a hash of the (caller's) trace id; the parent's sampled flag
      // is the caller's too, and is not followed either.
      const sampling = sampler.decide();
      const span = sampling.sampled
        ? tracer.startSpan(
            `${request.method} ${path}`,
            {
              kind: SpanKind.SERVER,
              attributes: {
                "http.request.method": request.method,
                // Never the query string: a client may put a token there, though tollgate never reads one.
                "url.full": `${url.origin}${path}`,
                // The exporter sends it as the row's sample rate: Application Insights counts the
                // row as 100/rate requests.
                ...(sampling.rate < 100 ? { [SAMPLE_RATE_ATTRIBUTE]: sampling.rate } : {}),
              },
            },
            parent,
          )
        : unsampledSpan(parent, request.headers);
      const spanContext = span.spanContext();
      const traceId = isSpanContextValid(spanContext) ? spanContext.traceId : traceIdFor(request.headers);
      return {
        traceId,
        end(record) {
          // An unsampled decision has no span to describe: only its metrics are recorded.
          if (sampling.sampled) {
            const elapsedMs = performance.now() - started;
            span.setAttributes(decisionAttributes(record, options));
            span.setAttribute("http.response.status_code", record.status);
            span.setAttribute(CUSTOM_MEASUREMENTS, JSON.stringify(decisionMeasurements(record, elapsedMs)));
            if (record.outcome === "error") {
              span.setStatus({
                code: SpanStatusCode.ERROR,
                ...(record.reason ? { message: record.reason } : {}),
              });
            }
            span.end();
          }
          decisions.add(1, decisionMetricAttributes(record));
          if (record.verifyMs !== undefined) verifyDuration.record(record.verifyMs);
          if (record.backendMs !== undefined) {
            backendDuration.record(record.backendMs, {
              [DECISION_ATTRIBUTES.backendStatus]:
                record.backendStatus !== undefined ? String(record.backendStatus) : "failed",
            });
          }
        },
      };
    },

    event(name: string, properties: EventProperties = {}) {
      const attributes: Record<string, string> = { [CUSTOM_EVENT_NAME]: name };
      const measurements: Record<string, number> = {};
      for (const [key, value] of Object.entries(properties)) {
        if (value === undefined) continue;
        if (typeof value === "number") {
          if (Number.isFinite(value)) measurements[key] = value;
        } else {
          attributes[key] = typeof value === "string" ? scrub(value) : String(value);
        }
      }
      if (Object.keys(measurements).length > 0)
        attributes[CUSTOM_MEASUREMENTS] = JSON.stringify(measurements);
      logger.emit({ severityNumber: SeverityNumber.INFO, attributes });
    },

    recordStorageOperations(count: number, policy?: string) {
      storageOperations.add(count, policy ? { [DECISION_ATTRIBUTES.rateLimitPolicy]: policy } : {});
    },

    observeKeyAges(read) {
      keyAgeReaders.add(read);
    },
  };
}
