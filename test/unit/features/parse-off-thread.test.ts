import { describe, expect, it } from 'vitest';
import { largeCompany, renderAccessFile } from '../../../bench/fixtures/large-company.mjs';
import { parseAccessYaml } from '../../../src/features/admin/access-file.js';
import { parseAccessFileOffThread } from '../../../src/features/admin/parse-off-thread.js';

// The built worker (npm test builds first): the TypeScript sources have no .js worker script to start.
const worker = new URL('../../../dist/features/admin/access-file-worker.js', import.meta.url);
const yaml = renderAccessFile(largeCompany({ accounts: 600, mappings: 1500, aliceRoles: 150 }).document);

describe('parseAccessFileOffThread', { timeout: 120_000 }, () => {
  it('when a large file is parsed off the thread, then the answer is parseAccessYaml’s and the event loop kept running', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const parsing = parseAccessFileOffThread(yaml, worker);
    const result = await parsing;
    clearInterval(timer);
    expect(result).toEqual(parseAccessYaml(yaml));
    expect(result.ok).toBe(true);
    // Parsing in place holds the loop for the whole parse: no tick at all could run.
    expect(ticks).toBeGreaterThan(3);
  });

  it('when the large file is invalid, then the problems come back with their lines and columns', async () => {
    const broken = yaml.replace('maxSessionSeconds: 3600', 'maxSessionSeconds: 12');
    const result = await parseAccessFileOffThread(broken, worker);
    expect(result).toEqual(parseAccessYaml(broken));
    expect(result.ok ? [] : result.problems[0]).toMatchObject({
      line: expect.any(Number) as unknown,
      column: expect.any(Number) as unknown,
    });
  });

  it('when the worker cannot run, then the file is refused with a problem, not parsed in this process', async () => {
    const missing = new URL('./no-such-worker.js', worker);
    // A missing script means "no worker built" and is parsed in place; a script that dies is a failure.
    expect(await parseAccessFileOffThread(yaml, missing)).toEqual(parseAccessYaml(yaml));
    const dying = new URL('data:text/javascript,process.exit(3)');
    expect(await parseAccessFileOffThread(yaml, dying)).toMatchObject({ ok: false });
  });
});
