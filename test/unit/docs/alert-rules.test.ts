import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics, probeGauges, type MetricProbes } from '../../../src/adapters/metrics/prometheus-metrics.js';

interface Rule {
  alert?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Probes that report nothing: only the gauges' names and help are read here, no scrape. */
const silentProbes: MetricProbes = {
  singleFlightWaiting: () => 0,
  activeCliSessions: () => Promise.resolve(0),
  activePortalSessions: () => Promise.resolve(0),
  identityProviders: () => [],
  redisNearCacheLive: () => undefined,
  redisNearCache: () => undefined,
  redisStalls: () => 0,
  accessModel: () => undefined,
};

/** Every metric rolegate exports, by name, with its help text (histograms also as _bucket, _sum, _count). */
function exportedMetrics(): Map<string, string> {
  const metrics = [...createMetrics().registry.getMetricsAsArray(), ...probeGauges(silentProbes).getMetricsAsArray()];
  const byName = new Map<string, string>();
  for (const m of metrics) {
    const { name, help } = m as unknown as { name: string; help: string };
    byName.set(name, help);
    for (const suffix of ['_bucket', '_sum', '_count']) byName.set(name + suffix, help);
  }
  return byName;
}

describe('docs/alerts/rolegate.rules.yml', () => {
  it('when parsed, then every rule is an alert with an expression, a severity and a summary, and names only metrics rolegate exports', async () => {
    const doc = parse(await readFile(new URL('../../../docs/alerts/rolegate.rules.yml', import.meta.url), 'utf8')) as {
      groups: { name: string; rules: Rule[] }[];
    };
    const exported = exportedMetrics();
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      'RolegateRevocationJobGaveUp',
      'RolegateRevocationJobsFailing',
      'RolegateNotificationsDead',
      'RolegateNotificationsDeadLettered',
    ]);
    for (const rule of rules) {
      expect(typeof rule.expr, rule.alert).toBe('string');
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      const expr = String(rule.expr);
      const names = expr.match(/\brolegate_[a-z_]+/g) ?? [];
      expect(names.length, `${String(rule.alert)} names a rolegate metric`).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${String(rule.alert)}: ${name} is exported`).toBe(true);
      // A label value the expression selects is one the metric's help documents (a typo would never fire).
      for (const [, name, selector] of expr.matchAll(/\b(rolegate_[a-z_]+)\{([^}]*)\}/g)) {
        for (const [, value] of (selector ?? '').matchAll(/="([^"]+)"/g))
          expect(exported.get(name ?? ''), `${String(rule.alert)}: ${String(value)} in ${String(name)}'s help`).toContain(value);
      }
    }
  });
});
