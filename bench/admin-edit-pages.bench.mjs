// Issue 19: the access edit pages (/admin/access) on a large company's model, beside the page that
// already renders the whole model (/admin/mappings) as the baseline, in the same run. Two brokers
// (real PostgreSQL and Redis, devstack IdP and STS): "small" applies config/demo-access.yaml, "large"
// the generated company (bench/fixtures/large-company.mjs: 2,000 accounts × 10 roles, 5,000 mappings).
// Started with ROLEGATE_ACCESS_AS_CODE=false: the pages save. Measured, as bob (an administrator):
//  (a) GET /admin/access (every account, role and mapping with Edit/Delete) against GET /admin/mappings,
//      p50 / p99 and body size; target: within 2× of the baseline;
//  (b) one mapping saved through the page form (POST, then the 303) against the same change through
//      PUT /api/v1/admin/mappings/:id; target: within 1.5× of the API; on the large model beside the demo
//      model, and a single save on the large model ≤ 300 ms (issue 15). With BENCH_COMPARE_DIST=<dir of
//      another build's dist> (e.g. main's), a third broker runs that build on the large model in the same run.
// BENCH_SECONDS (default 5) per load row.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startBenchBroker } from './broker-fixture.mjs';
import { largeCompany, renderAccessFile } from './fixtures/large-company.mjs';
import { cpuMs, load, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const demoFile = path.join(root, 'config/demo-access.yaml');
const demo = parse(readFileSync(demoFile, 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-bench-edit-'));
const { document } = largeCompany({ accounts: 2000, mappings: 5000, aliceRoles: 500, base: demo });
const largeFile = path.join(dir, 'large-company.yaml');
writeFileSync(largeFile, renderAccessFile(document));

const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
try {
  console.log(
    `large company: ${document.accounts.length} accounts, ${document.roles.length} roles, ${document.mappings.length} mappings; ${DURATION} s per load row; the machine is shared, compare rows of this run`,
  );
  const env = { ROLEGATE_ACCESS_AS_CODE: 'false' };
  const small = await startBenchBroker(root, { accessFile: demoFile, env });
  cleanups.push(() => small.close());
  // BENCH_PROFILE=<dir> writes a CPU profile of the large model's rolegate there.
  const large = await startBenchBroker(root, {
    accessFile: largeFile,
    env,
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  });
  cleanups.push(() => large.close());

  // (a) the listing against the existing whole-model page
  const rows = [];
  for (const [name, broker] of [
    ['small', small],
    ['large', large],
  ]) {
    const bob = await broker.signIn('bob');
    const headers = { cookie: bob.cookie, accept: 'text/html' };
    for (const pagePath of ['/admin/mappings', '/admin/access']) {
      const res = await fetch(`${broker.url}${pagePath}`, { headers });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${pagePath} answered ${res.status}: ${body.slice(0, 300)}`);
      rows.push({
        name: `${name} ${pagePath}${pagePath === '/admin/mappings' ? ' (baseline)' : ''}, ${(Buffer.byteLength(body) / 1e6).toFixed(2)} MB`,
        ...(await load(`${broker.url}${pagePath}`, { connections: 2, duration: DURATION, pid: broker.pid, headers })),
      });
    }
  }
  console.log(`\n(a) the whole model as a page, 2 connections (target: /admin/access within 2× of /admin/mappings)`);
  console.log(table(rows));
  for (const name of ['small', 'large']) {
    const [base, page] = rows.filter((r) => r.name.startsWith(`${name} `));
    console.log(
      `${name}: p50 ratio ${(page.p50 / Math.max(base.p50, 1)).toFixed(2)}×, CPU per request ratio ${(page.cpuUsPerRequest / base.cpuUsPerRequest).toFixed(2)}×`,
    );
  }

  // (b) one save through the form against the same save through the API, on each model
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const saves = async (broker) => {
    const bob = await broker.signIn('bob');
    const json = { cookie: bob.cookie, 'x-csrf-token': bob.csrfToken, 'content-type': 'application/json' };
    const mappings = (await (await fetch(`${broker.url}/api/v1/admin/mappings`, { headers: json })).json()).mappings;
    const target = mappings.find((m) => m.access === 'standing' && !m.breakGlass && m.sessionPolicy === undefined);
    const { id, version: _v, ...fields } = target;
    let version = target.version;
    const timed = async (fn) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    const viaApi = async (seconds) => {
      const res = await fetch(`${broker.url}/api/v1/admin/mappings/${id}`, {
        method: 'PUT',
        headers: { ...json, 'if-match': `"${version}"` },
        body: JSON.stringify({ ...fields, maxSessionSeconds: seconds }),
      });
      if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
      version = (await res.json()).version;
    };
    const viaPage = async (seconds) => {
      const form = new URLSearchParams({
        _csrf: bob.csrfToken,
        version: String(version),
        group: fields.group,
        match: fields.match,
        role: fields.role,
        access: 'standing',
        maxSessionSeconds: String(seconds),
        ...(fields.idp ? { idp: fields.idp } : {}),
        ...(fields.requireMfa ? { requireMfa: 'on' } : {}),
        allowedCidrs: (fields.allowedCidrs ?? []).join('\n'),
      });
      const res = await fetch(`${broker.url}/admin/access/mappings/${id}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: bob.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      if (res.status !== 303) throw new Error(`the form answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
      version += 1;
    };
    const api = [];
    const page = [];
    const cpuBefore = cpuMs(broker.pid);
    for (let i = 0; i < 10; i++) {
      api.push(await timed(() => viaApi(1800 + i * 2)));
      page.push(await timed(() => viaPage(1801 + i * 2)));
    }
    return { api, page, cpuMsPerSave: (cpuMs(broker.pid) - cpuBefore) / 20 };
  };
  const brokers = [
    ['small (demo model)', small],
    ['large', large],
  ];
  const compareDist = process.env.BENCH_COMPARE_DIST;
  if (compareDist) {
    const old = await startBenchBroker(root, { accessFile: largeFile, env, dist: path.relative(root, path.resolve(compareDist)) });
    cleanups.push(() => old.close());
    brokers.push([`large, ${compareDist}`, old]);
  }
  console.log(
    `\n(b) one mapping saved, 10 each through the API and the form, alternating (targets: the page within 1.5× of the API; large ≤ 300 ms)`,
  );
  const saved = [];
  for (const [name, broker] of brokers) {
    const { api, page, cpuMsPerSave } = await saves(broker);
    saved.push({ name, api: median(api), page: median(page) });
    console.log(
      `${name.padEnd(28)} PUT /api/v1/admin/mappings/:id p50 ${median(api).toFixed(0).padStart(5)} ms (slowest ${Math.max(...api).toFixed(0)}), form POST p50 ${median(page).toFixed(0).padStart(5)} ms (slowest ${Math.max(...page).toFixed(0)}): page/API ${(median(page) / median(api)).toFixed(2)}×; rolegate CPU ${cpuMsPerSave.toFixed(0)} ms a save`,
    );
  }
  const [demoSave, largeSave] = saved;
  console.log(
    `large/demo p50: API ${(largeSave.api / demoSave.api).toFixed(1)}×, form ${(largeSave.page / demoSave.page).toFixed(1)}×; large API p50 ${(largeSave.api / 300).toFixed(2)} of the 300 ms target` +
      (saved[2]
        ? `; ${saved[2].name}: API p50 ${saved[2].api.toFixed(0)} ms, this build ${(largeSave.api / saved[2].api).toFixed(2)}× of it`
        : ''),
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
