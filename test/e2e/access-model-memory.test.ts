import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../bench/access-model-heap.mjs', import.meta.url));

// rolegate_access_model_bytes is counted from the model's objects (AccessIndex.approximateBytes); here it is
// held against the heap the same version really takes, measured with forced collections in a process of its own.
describe('the access model memory rolegate reports', { timeout: 120_000 }, () => {
  it.each([200, 2000])('when a company of %i accounts is loaded, then the reported bytes are within 30 percent of the measured heap', (accounts) => {
    const run = spawnSync(process.execPath, ['--expose-gc', script, String(accounts)], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { measuredBytes, approximateBytes, objects } = JSON.parse(run.stdout) as Record<string, number>;
    expect(objects).toBeGreaterThan(accounts * 13);
    const ratio = (approximateBytes ?? 0) / (measuredBytes ?? 1);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.3);
  });
});
