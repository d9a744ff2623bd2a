// Issue 15 (target 2, the portal) and issue 16 ("portal for 500 roles"): GET /portal for demo alice
// (the demo model, a handful of roles) beside alice in the generated large company
// (bench/fixtures/large-company.mjs over the demo model: ~500 roles), two brokers side by side on the
// real PostgreSQL and Redis, in the same run. Measured:
//  (a) server render of GET /portal: p50 / p99 at 1 connection (light load) and the HTML bytes,
//      target p99 ≤ 20 ms and "not a megabyte" (target ≤ 200 KB);
//  (b) a search (GET /portal?q=…), a later page (GET /portal?page=…) and the search index of the large page;
//  (c) search as you type in headless Chromium on the large page: per keystroke, from the key's
//      keydown to the first frame after the counter names what the box holds, target < 50 ms;
//      the small page measured the same way as the baseline; and, after the last key of the word and
//      of the Backspaces, to the first frame with that search's rows (the server's, on the large page).
// BENCH_SECONDS (default 5) per load row. BENCH_COMPARE_DIST=<dir>: (c) for that build too, same rounds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { parse } from 'yaml';
import { startBenchBroker } from './broker-fixture.mjs';
import { largeCompany, renderAccessFile } from './fixtures/large-company.mjs';
import { load, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const RENDER_P99_TARGET_MS = 20;
const HTML_TARGET_KB = 200;
const KEYSTROKE_TARGET_MS = 50;
const demoFile = path.join(root, 'config/demo-access.yaml');
const demo = parse(readFileSync(demoFile, 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-bench-portal-'));
const { document } = largeCompany({ base: demo });
const largeFile = path.join(dir, 'large-company.yaml');
writeFileSync(largeFile, renderAccessFile(document));
const loadAverage = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
const ratio = (value, target) => `${(value / target).toFixed(2)}× the target`;

const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
try {
  console.log(`${loadAverage()}; ${DURATION} s per load row; the machine is shared, compare rows of this run`);
  const [small, large] = await Promise.all([
    startBenchBroker(root, { accessFile: demoFile }),
    startBenchBroker(root, { accessFile: largeFile }),
  ]);
  cleanups.push(
    () => small.close(),
    () => large.close(),
  );
  const alice = { small: await small.signIn('alice'), large: await large.signIn('alice') };
  const brokers = { small, large };
  const get = async (name, pathAndQuery) => {
    const res = await fetch(`${brokers[name].url}${pathAndQuery}`, { headers: { cookie: alice[name].cookie } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${pathAndQuery} answered ${res.status}: ${body.slice(0, 300)}`);
    return body;
  };
  const describe = (html) => {
    const rows = html.match(/<li\s+class="role[ "]/g)?.length ?? 0;
    const status = /<p id="filter-status"[^>]*>([^<]*)</.exec(html)?.[1]?.trim() ?? '';
    return `${(Buffer.byteLength(html) / 1024).toFixed(1)} KB, ${rows} rows${status ? `, "${status}"` : ''}`;
  };

  // (a), (b)
  const cases = [
    ['small', '/portal', 'demo alice'],
    ['large', '/portal', 'large alice'],
    ['large', '/portal?q=payments%20read', 'large alice, ?q=payments read'],
    ['large', '/portal?page=3', 'large alice, ?page=3'],
    // What portal.js fetches once per large page, to count as you type (the row count is of <li>: none).
    ['large', '/portal/search-index', 'large alice, search index (JSON)'],
    ['small', '/portal', 'demo alice (again)'],
  ];
  const rows = [];
  const sizes = {};
  for (const [name, pathAndQuery, label] of cases) {
    const html = await get(name, pathAndQuery);
    sizes[label] = Buffer.byteLength(html);
    rows.push({
      name: `${label}: ${describe(html)}`,
      ...(await load(`${brokers[name].url}${pathAndQuery}`, {
        connections: 1,
        duration: DURATION,
        pid: brokers[name].pid,
        headers: { cookie: alice[name].cookie },
      })),
    });
  }
  console.log(`\n(a, b) GET /portal server render, 1 connection (${loadAverage()})`);
  console.log(table(rows));
  const smallP99 = Math.max(rows[0].p99, rows[5].p99);
  const largeP99 = rows[1].p99;
  console.log(
    `large p99 ${largeP99} ms (target ≤ ${RENDER_P99_TARGET_MS} ms: ${ratio(largeP99, RENDER_P99_TARGET_MS)}; small p99 ${smallP99} ms, large/small ${(largeP99 / Math.max(1, smallP99)).toFixed(2)}×)`,
  );
  console.log(
    `large HTML ${(sizes['large alice'] / 1024).toFixed(1)} KB (target ≤ ${HTML_TARGET_KB} KB: ${ratio(sizes['large alice'] / 1024, HTML_TARGET_KB)}; small ${(sizes['demo alice'] / 1024).toFixed(1)} KB, large/small ${(sizes['large alice'] / sizes['demo alice']).toFixed(2)}×)`,
  );

  // (c)
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  cleanups.push(() => browser.close());
  const typed = 'payments read';
  // BENCH_COMPARE_DIST=<dir> (relative to the repository, beside that build's prisma/: e.g.
  // ../wt-before/dist, a worktree of main built with tsc): its brokers too, typed on in the same
  // rounds, interleaved with this build's.
  const targets = [
    { label: 'demo alice ', url: small.url, cookie: alice.small.cookie },
    { label: 'large alice', url: large.url, cookie: alice.large.cookie },
  ];
  if (process.env.BENCH_COMPARE_DIST) {
    const dist = process.env.BENCH_COMPARE_DIST;
    const [smallBefore, largeBefore] = await Promise.all([
      startBenchBroker(root, { accessFile: demoFile, dist }),
      startBenchBroker(root, { accessFile: largeFile, dist }),
    ]);
    cleanups.push(
      () => smallBefore.close(),
      () => largeBefore.close(),
    );
    targets.unshift(
      { label: `demo alice  (${dist})`, url: smallBefore.url, cookie: (await smallBefore.signIn('alice')).cookie },
      { label: `large alice (${dist})`, url: largeBefore.url, cookie: (await largeBefore.signIn('alice')).cookie },
    );
  }
  for (const target of targets) {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const [cookieName, cookieValue] = target.cookie.split(';')[0].split('=');
    await context.addCookies([{ name: cookieName, value: cookieValue, url: target.url }]);
    Object.assign(target, { context, page: await context.newPage(), keys: [], rows: [] });
  }
  const press = async (page, key, { rows = false } = {}) => {
    await page.evaluate(armKeystrokeProbe, rows);
    await page.keyboard.press(key);
    return page.evaluate(keystrokeProbeResult);
  };
  for (let round = 0; round < 3; round++) {
    for (const { url, page, keys, rows } of targets) {
      await page.goto(`${url}/portal`);
      // The page's own requests (the script, the search index) are done before the first key, as for someone who reads first.
      await page.waitForLoadState('networkidle');
      await page.locator('#q').focus();
      for (const key of typed.slice(0, -1)) keys.push(await press(page, key === ' ' ? 'Space' : key));
      // The last key once for the counter and once (retyped) until the rows are the search's.
      keys.push(await press(page, typed.at(-1)));
      await press(page, 'Backspace');
      rows.push(await press(page, typed.at(-1), { rows: true }));
      // Erasing is searching too.
      for (let i = 0; i < 3; i++) keys.push(await press(page, 'Backspace'));
      rows.push(await press(page, 'Backspace', { rows: true }));
    }
  }
  console.log(
    `\n(c) search as you type in Chromium, "${typed}" then 4 × Backspace, 3 rounds: keydown to the first frame showing the count; rows: to the first frame with the search's rows, after the last key of the word and of the Backspaces (${loadAverage()})`,
  );
  for (const target of targets) {
    const s = summary(target.keys);
    const r = summary(target.rows);
    if (process.env.BENCH_VERBOSE) console.log(target.label, target.keys.map((t) => Math.round(t)).join(' '));
    console.log(
      `${target.label}: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms over ${s.n} keystrokes; rows p50 ${r.p50} ms, max ${r.max} ms over ${r.n}`,
    );
    Object.assign(target, { summary: s });
    await target.context.close();
  }
  const [smallNow, largeNow] = targets.slice(-2).map((t) => t.summary);
  console.log(
    `large keystroke p99 ${largeNow.p99} ms (target < ${KEYSTROKE_TARGET_MS} ms: ${ratio(largeNow.p99, KEYSTROKE_TARGET_MS)}; large/small ${(largeNow.p99 / Math.max(0.1, smallNow.p99)).toFixed(2)}×)`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

/* global window, requestAnimationFrame, MutationObserver -- the probes below run in the page (page.evaluate) */

/**
 * Runs in the page before a key is pressed: notes the keydown's time, then resolves with the time
 * from it to the first animation frame after #filter-status names what the search box holds (and,
 * with `rows`, #results holds the rows of that search: filtered here, or the server's answer to it).
 */
function armKeystrokeProbe(rows) {
  const input = document.querySelector('#q');
  window.__probe = new Promise((resolve) => {
    const onKey = (event) => {
      document.removeEventListener('keydown', onKey, true);
      const downAt = event.timeStamp;
      const settled = () => {
        const value = input.value.trim();
        const status = document.querySelector('#filter-status')?.textContent ?? '';
        const results = document.querySelector('#results');
        const rowsShown =
          results.hasAttribute('data-complete') || (results.getAttribute('data-q') === value && !results.hasAttribute('aria-busy'));
        const counted = value === '' ? status.trim() === '' || !status.includes('“') : status.includes(`“${value}”`);
        return counted && (!rows || rowsShown);
      };
      const finish = () => requestAnimationFrame(() => resolve(performance.now() - downAt));
      if (settled()) return finish();
      const observer = new MutationObserver(() => {
        if (!settled()) return;
        observer.disconnect();
        finish();
      });
      observer.observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true, attributes: true });
      // The input event may change nothing yet (the result is on its way): the observer waits for it.
      setTimeout(() => settled() && (observer.disconnect(), finish()), 0);
    };
    document.addEventListener('keydown', onKey, true);
  });
}

function keystrokeProbeResult() {
  return window.__probe;
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
}
