import { describe, expect, it } from 'vitest';
import { coalescedReload } from '../../../src/support/coalesced-reload.js';

/** A load the test finishes by hand, counting how often it started. */
function manualLoad() {
  const pending: ((value: number) => void)[] = [];
  let started = 0;
  const load = () =>
    new Promise<number>((resolve) => {
      started++;
      pending.push(resolve);
    });
  return { load, started: () => started, finish: (value: number) => pending.shift()?.(value) };
}

describe('coalescedReload', () => {
  it('when reloads are asked for while one runs, then they share it and exactly one more follows', async () => {
    const manual = manualLoad();
    const reload = coalescedReload(manual.load);
    const first = reload();
    const second = reload();
    const third = reload();
    expect(manual.started()).toBe(1);
    manual.finish(1);
    expect(await Promise.all([first, second, third])).toEqual([1, 1, 1]);
    await expect.poll(() => manual.started()).toBe(2);
    manual.finish(2);
  });

  it('when a load fails, then its callers get the error and the next reload runs afresh', async () => {
    let calls = 0;
    const reload = coalescedReload(() => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(calls)));
    await expect(reload()).rejects.toThrow('down');
    await expect(reload()).resolves.toBe(2);
  });
});
