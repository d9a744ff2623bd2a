import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe("the revocation worker's limits in the configuration", () => {
  it('when nothing is set, then the worker keeps its documented defaults', () => {
    const loaded = loadConfig({});
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.revocations).toEqual({
      maxAttempts: 8,
      backoffBaseMs: 2000,
      backoffMaxMs: 300_000,
      pollIntervalMs: 1000,
      batchSize: 10,
      leaseMs: 60_000,
      iamTimeoutMs: 5000,
      iamAttempts: 3,
    });
  });

  it('when each limit is set through its variable, then the worker gets it', () => {
    const loaded = loadConfig({
      ROLEGATE_REVOCATION_MAX_ATTEMPTS: '3',
      ROLEGATE_REVOCATION_BACKOFF_BASE_MS: '500',
      ROLEGATE_REVOCATION_BACKOFF_MAX_MS: '4000',
      ROLEGATE_REVOCATION_POLL_MS: '100',
      ROLEGATE_REVOCATION_BATCH_SIZE: '2',
      ROLEGATE_REVOCATION_LEASE_MS: '20000',
      ROLEGATE_REVOCATION_IAM_TIMEOUT_MS: '1000',
      ROLEGATE_REVOCATION_IAM_ATTEMPTS: '2',
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.revocations).toEqual({
      maxAttempts: 3,
      backoffBaseMs: 500,
      backoffMaxMs: 4000,
      pollIntervalMs: 100,
      batchSize: 2,
      leaseMs: 20_000,
      iamTimeoutMs: 1000,
      iamAttempts: 2,
    });
  });

  it.each([
    ['ROLEGATE_REVOCATION_MAX_ATTEMPTS', '0', 'revocations.maxAttempts', 'expected an integer from 1 to 100, got "0"'],
    ['ROLEGATE_REVOCATION_MAX_ATTEMPTS', 'many', 'revocations.maxAttempts', 'expected an integer from 1 to 100, got "many"'],
    ['ROLEGATE_REVOCATION_BACKOFF_BASE_MS', '1.5', 'revocations.backoffBaseMs', 'expected an integer from 100 to 3600000, got "1.5"'],
    ['ROLEGATE_REVOCATION_POLL_MS', '10', 'revocations.pollIntervalMs', 'expected an integer from 50 to 60000, got "10"'],
    ['ROLEGATE_REVOCATION_BATCH_SIZE', '-1', 'revocations.batchSize', 'expected an integer from 1 to 1000, got "-1"'],
    ['ROLEGATE_REVOCATION_IAM_TIMEOUT_MS', '60001', 'revocations.iamTimeoutMs', 'expected an integer from 100 to 60000, got "60001"'],
    ['ROLEGATE_REVOCATION_IAM_ATTEMPTS', '11', 'revocations.iamAttempts', 'expected an integer from 1 to 10, got "11"'],
  ])('when %s is %s, then start-up names the key, the variable and what it expects', (variable, value, key, expected) => {
    const loaded = loadConfig({ [variable]: value });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.problems).toEqual([`${key} (env ${variable}): ${expected}`]);
  });

  it('when the back-off cap is below its base, then start-up says so', () => {
    const loaded = loadConfig({ ROLEGATE_REVOCATION_BACKOFF_BASE_MS: '10000', ROLEGATE_REVOCATION_BACKOFF_MAX_MS: '5000' });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok)
      expect(loaded.problems).toEqual([
        'revocations.backoffMaxMs (env ROLEGATE_REVOCATION_BACKOFF_MAX_MS): must be at least revocations.backoffBaseMs (10000 ms)',
      ]);
  });

  it('when the lease is not longer than one job can take, then start-up names the sum, from the YAML file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolegate-revocations-'));
    const file = join(dir, 'rolegate.yaml');
    writeFileSync(file, 'revocations:\n  leaseMs: 30000\n  iamTimeoutMs: 10000\n');
    const loaded = loadConfig({ ROLEGATE_CONFIG: file, ROLEGATE_REVOCATION_IAM_ATTEMPTS: '2' });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok)
      expect(loaded.problems).toEqual([
        `revocations.leaseMs (${file} line 2): must be longer than one job can take, sts.retryBudgetMs + 2 × revocations.iamAttempts × revocations.iamTimeoutMs = 48000 ms, or a slow job loses its lease to another instance`,
      ]);
  });
});
