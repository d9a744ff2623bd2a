import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loggerModule = fileURLToPath(new URL('../../../src/adapters/logging/create-logger.ts', import.meta.url));

/** Runs `body` in a child process with a buffered logger as `logger`; resolves with its stdout lines as they arrived. */
function runChild(body: string) {
  const script = `
    import { createLogger } from ${JSON.stringify(loggerModule)};
    const logger = createLogger('info', undefined, { bufferBytes: 8192, flushIntervalMs: 60000 });
    ${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines: { msg: string; level: string }[] = [];
  let partial = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) lines.push(JSON.parse(part) as { msg: string; level: string });
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    exited,
    /** Resolves once stdout holds a line with `msg`, rejects after `ms`. */
    seen: (msg: string, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${msg} within ${String(ms)} ms`)), ms);
        const check = () => {
          if (lines.some((l) => l.msg === msg)) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

describe('the buffered access log', () => {
  it('when the process exits, then every buffered line has been written, in order', async () => {
    const run = runChild(`for (let i = 0; i < 500; i++) logger.info({ i }, 'line ' + i); process.exit(0);`);
    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.msg)).toEqual(Array.from({ length: 500 }, (_, i) => `line ${String(i)}`));
  });

  it('when a line is larger than the buffer, then it is written whole, between the lines around it', async () => {
    const run = runChild(`logger.info('before'); logger.info('x'.repeat(100000)); logger.info('after'); process.exit(0);`);
    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.msg)).toEqual(['before', 'x'.repeat(100000), 'after']);
  });

  it('when the process dies of an uncaught error, then the buffered lines are still written', async () => {
    const run = runChild(`logger.info('before the crash'); setImmediate(() => { throw new Error('boom'); });`);
    expect(await run.exited).not.toBe(0);
    expect(run.lines.map((l) => l.msg)).toContain('before the crash');
  });

  it('when a warning is logged, then it is written at once, with the lines buffered before it', async () => {
    // The flush interval is a minute: only the warning can have written these lines.
    const run = runChild(`logger.info('quiet'); logger.warn('loud'); process.stdin.resume();`);
    await run.seen('loud', 5000);
    expect(run.lines.map((l) => l.msg)).toEqual(['quiet', 'loud']);
    run.child.kill('SIGKILL');
    await run.exited;
  });

  it('when lines below warn wait, then they are written within the flush interval', async () => {
    const script = `
      import { createLogger } from ${JSON.stringify(loggerModule)};
      const logger = createLogger('info', undefined, { bufferBytes: 8192, flushIntervalMs: 50 });
      logger.info('waiting'); process.stdin.resume();`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
    expect(JSON.parse(first)).toMatchObject({ msg: 'waiting', level: 'info' });
    child.kill('SIGKILL');
  });
});
