/** A dependency rolegate needs to serve requests, probed by /readyz. */
export interface DependencyProbe {
  /** As shown to operators: `postgres`, `redis`, `memory-store`… */
  name: string;
  check(): Promise<void>;
}

export type CheckResult = { ok: true } | { ok: false; error: string };

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Probes every dependency in parallel; ready only when all answer. */
export async function checkReadiness(probes: readonly DependencyProbe[]): Promise<Readiness> {
  const results = await Promise.all(
    probes.map(async (probe): Promise<CheckResult> => {
      try {
        await probe.check();
        return { ok: true };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const checks: Record<string, CheckResult> = {};
  probes.forEach((probe, i) => (checks[probe.name] = results[i] ?? { ok: false, error: 'not probed' }));
  return { ready: results.every((r) => r.ok), checks };
}
