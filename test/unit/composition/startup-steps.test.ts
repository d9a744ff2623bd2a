import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_BOUND_MS, StartupSteps } from '../../../src/composition/startup.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('StartupSteps.close', () => {
  it('when one part never finishes closing, then the others are still closed, newest first, and the late one is named', async () => {
    vi.useFakeTimers();
    const late: string[] = [];
    const closed: string[] = [];
    const steps = new StartupSteps((what) => late.push(what));
    steps.onClose('PostgreSQL', () => void closed.push('PostgreSQL'));
    steps.onClose('the stuck worker', () => new Promise<void>(() => undefined));
    steps.onClose('Redis', () => {
      closed.push('Redis');
      throw new Error('already closed');
    });
    const done = steps.close();
    await vi.advanceTimersByTimeAsync(CLOSE_BOUND_MS - 1);
    expect(closed).toEqual(['Redis']);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(closed).toEqual(['Redis', 'PostgreSQL']);
    expect(late).toEqual(['the stuck worker']);
  });

  it('when everything closes at once, then nothing is reported late and a second close does nothing', async () => {
    const late: string[] = [];
    let closes = 0;
    const steps = new StartupSteps((what) => late.push(what));
    steps.onClose('Redis', () => {
      closes++;
    });
    await steps.close();
    await steps.close();
    expect(closes).toBe(1);
    expect(late).toEqual([]);
  });
});
