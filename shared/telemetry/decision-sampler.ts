// Which decision spans go to Application Insights, drawn from tollgate's own randomness. The
// distro's samplers hash the trace id, and the trace id is the caller's (its traceparent): a
// caller could pick ids that hash to "not sampled" and keep itself out of the rows. Each row sent
// carries its sample rate, so Application Insights counts it as 100/rate requests.

/**
 * The span attribute the Azure Monitor exporter sends as the envelope's `sampleRate` (a percent;
 * the row's itemCount is 100/rate). The exporter's own name for it; not imported from the distro,
 * which only an instance with telemetry on loads. The Application Insights tests read the envelope.
 */
export const SAMPLE_RATE_ATTRIBUTE = "microsoft.sample_rate";

export interface SamplingDecision {
  sampled: boolean;
  /** Percent of spans kept at this moment: 100 keeps every span (no attribute is then set). */
  rate: number;
}

export interface DecisionSampler {
  /** One draw per decision span. */
  decide(): SamplingDecision;
}

export interface DecisionSamplerOptions {
  /** Most spans a second on this instance; 0 keeps `samplingRatio` of them instead. */
  tracesPerSecond: number;
  samplingRatio: number;
}

/** How quickly the rate-limited sampler follows a change in traffic: about a second. */
const ADAPTATION_MS = 1000;

export function createDecisionSampler(
  options: DecisionSamplerOptions,
  random: () => number = Math.random,
  now: () => number = () => performance.now(),
): DecisionSampler {
  if (options.tracesPerSecond > 0) return rateLimited(options.tracesPerSecond, random, now);
  const ratio = options.samplingRatio;
  const decision = (sampled: boolean) => ({ sampled, rate: ratio * 100 });
  if (ratio >= 1) return { decide: () => ({ sampled: true, rate: 100 }) };
  if (ratio <= 0) return { decide: () => decision(false) };
  return { decide: () => decision(random() < ratio) };
}

/**
 * Keeps about `perSecond` spans a second: the incoming rate is an exponentially decayed count
 * over decayed time, and each span is kept with probability 1/n, n = ceil(rate / perSecond), so
 * each kept row stands for a whole number of requests (sample rate 100/n).
 */
function rateLimited(perSecond: number, random: () => number, now: () => number): DecisionSampler {
  // It starts as if after a quiet second: the first spans are kept, not judged by a burst of one.
  let count = 0;
  let elapsedMs = ADAPTATION_MS;
  let last = now();
  return {
    decide() {
      const at = now();
      const delta = Math.max(0, at - last);
      const decay = Math.exp(-delta / ADAPTATION_MS);
      count = count * decay + 1;
      elapsedMs = elapsedMs * decay + delta;
      last = at;
      const incomingPerSecond = (count * 1000) / elapsedMs;
      const n = incomingPerSecond <= perSecond ? 1 : Math.ceil(incomingPerSecond / perSecond);
      return n === 1 ? { sampled: true, rate: 100 } : { sampled: random() * n < 1, rate: 100 / n };
    },
  };
}
