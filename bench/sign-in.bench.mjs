// Sign-in throughput (issue 15, target 5): SAML ACS posts and OIDC callbacks
// per second through rolegate, beside the raw libraries doing the same
// protocol work on the same kind of message in the same run
// (baseline-sign-in-server.mjs: a bare node:http server, one thread, with
// @node-saml/node-saml and openid-client alone). Target: rolegate ≥ 0.8 of raw.
//
// rolegate runs built (dist/main.js) on the real PostgreSQL and Redis
// (broker-fixture.mjs) with two IdPs: a SAML IdP whose test key signs every
// response here, and the loopback OIDC IdP (loopback-oidc-idp.mjs) that both
// relying parties exchange their codes with. Every message is valid and used
// once (rolegate refuses replays), so each round makes its own up front:
//  - SAML: N sign-ins started at rolegate (GET /auth/saml/<idp>/login, its
//    cookie and AuthnRequest ID), N Responses signed on the assertion, each
//    answering one of those requests (InResponseTo), addressed to rolegate's ACS
//    (Destination, Recipient, Audience). The raw server is told the same
//    request ids and gets the very same bytes.
//  - OIDC: N sign-ins started at each relying party and taken through the
//    IdP's authorization endpoint: N callback URLs (code, state) and cookies.
// Then each target gets its N messages at CONCURRENCY at once; a round
// measures raw and rolegate in turn (each round starting with the next), and each
// row is the median round. The floors (baseline-sign-in-server.mjs /floor/*) are the raw library
// plus the least of what rolegate promises (the login transaction or SAML request id in Redis,
// taken once; a rate-limit count; for SAML the assertion id refused if seen before; the audit row
// committed; the session in Redis). CPU ms per
// sign-in is the server process's (all its threads; PostgreSQL, Redis and the IdP not
// included), the figure that moves least when the machine is shared.
//
// Flags (environment): BENCH_ROUNDS (3), BENCH_SAML_N (300), BENCH_OIDC_N (600), BENCH_WARM_UP (300 per target),
// BENCH_CONCURRENCY (16), BENCH_GROUPS (20: the groups in each message),
// BENCH_PROFILE=<dir> (a CPU profile of rolegate), BENCH_LOG_LEVEL (info), BENCH_ONLY (saml or oidc),
// BENCH_COMPARE_DIST=<dir> (another build, e.g. of main, relative to the repository: measured too,
// same rounds, its own messages, for a same-run A/B of CPU per sign-in).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { signAssertionAsIdp } from './sign-as-idp.mjs';
import { startBenchBroker } from './broker-fixture.mjs';
import { nodeSamlOptions } from './node-saml-options.mjs';
import { cpuMs, startChild, threadCpuMs } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SAML_N = Number(process.env.BENCH_SAML_N ?? 300);
const OIDC_N = Number(process.env.BENCH_OIDC_N ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
// Messages each target gets before the rounds, not counted. rolegate verifies SAML on a thread of its own,
// a second isolate whose JIT starts cold: after 50 messages its CPU per sign-in was still falling round
// after round (7.0, 5.7, 5.0 ms), and the rounds measured its warm-up more than its work.
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 300);
const GROUPS = Array.from({ length: Number(process.env.BENCH_GROUPS ?? 20) }, (_, i) => (i === 0 ? 'aws-dev' : `corp-group-${i}`));
const TARGET = 0.8;
const ONLY = process.env.BENCH_ONLY; // saml or oidc: measure that protocol only (e.g. for a CPU profile)
const fixture = (name) => readFileSync(path.join(root, 'test/fixtures', name), 'utf8');
const IDP = { key: fixture('saml-idp-test-key.pem'), cert: fixture('saml-idp-test-cert.pem') };
const SAML_ENTITY_ID = 'https://idp.bench.example/metadata';
const CLIENT = { id: 'bench-client', secret: `bench-${randomBytes(12).toString('hex')}` };

const cleanups = [];
/** rolegate's SAML endpoints toward the bench IdP (set once rolegate listens). */
let saml;
try {
  const idp = startChild(path.join(root, 'bench/loopback-oidc-idp.mjs'), {
    ready: /listening (http:\/\/\S+)/,
    env: { CLIENT_ID: CLIENT.id, CLIENT_SECRET: CLIENT.secret, GROUPS: GROUPS.join(',') },
  });
  cleanups.push(() => idp.stop());
  const issuer = await idp.started;
  const brokerOptions = {
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    env: {
      // One address sends every message: the per-address limits are counted as usual but set high enough never to refuse.
      ROLEGATE_RATE_LIMIT_LOGIN_STARTS_PER_IP: '100000',
      ROLEGATE_RATE_LIMIT_LOGIN_CALLBACKS_PER_IP: '100000',
      ROLEGATE_MAX_PENDING_LOGINS_PER_IP: '100000',
      ROLEGATE_MAX_PENDING_LOGINS: '100000',
      ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([
        {
          slug: 'bench-saml',
          displayName: 'Bench SAML',
          kind: 'saml',
          groupsFrom: 'groups',
          settings: { entityId: SAML_ENTITY_ID, ssoUrl: 'https://idp.bench.example/sso', certificates: [IDP.cert] },
        },
        {
          slug: 'bench-oidc',
          displayName: 'Bench OIDC',
          kind: 'oidc',
          groupsFrom: 'groups',
          settings: { issuer, clientId: CLIENT.id, allowInsecureLoopbackIssuer: true, scopes: ['openid', 'profile', 'email', 'groups'] },
          clientSecret: CLIENT.secret,
        },
      ]),
    },
  };
  const broker = await startBenchBroker(root, {
    ...brokerOptions,
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  });
  // A CPU profile is written when rolegate exits: wait for that before this process ends (and kills it).
  cleanups.push(() => (process.env.BENCH_PROFILE ? closeAndWait(broker) : broker.close()));
  saml = samlEndpoints(broker.url);
  const before = process.env.BENCH_COMPARE_DIST
    ? await startBenchBroker(root, { ...brokerOptions, dist: process.env.BENCH_COMPARE_DIST })
    : undefined;
  if (before) cleanups.push(() => before.close());
  const raw = startChild(path.join(root, 'bench/baseline-sign-in-server.mjs'), {
    cwd: root,
    ready: /listening (http:\/\/\S+)/,
    env: {
      BASELINE_SETTINGS: JSON.stringify({
        saml: { audience: saml.audience, acsUrl: saml.acs, certificates: [IDP.cert], idpEntityId: SAML_ENTITY_ID },
        oidc: { issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret },
        floor: {
          databaseUrl: broker.databaseUrl,
          redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
          prefix: `sign-in-floor:${randomBytes(4).toString('hex')}:`,
        },
      }),
    },
  });
  cleanups.push(() => raw.stop());
  const rawUrl = await raw.started;

  // --- SAML ---------------------------------------------------------------------------------
  /** N sign-ins started at a rolegate (`at`: its samlEndpoints), each with its signed Response: [{ cookie, body }]. */
  const samlMessages = async (n, at = saml) => {
    const started = await pool(
      Array.from({ length: n }, (_, i) => i),
      8,
      async () => {
        const res = await fetch(at.login, { redirect: 'manual' });
        if (res.status !== 302) throw new Error(`GET ${at.login} answered ${res.status}: ${await res.text()}`);
        const cookie = (res.headers.getSetCookie().find((c) => c.startsWith('rolegate_login=')) ?? '').split(';')[0];
        const request = new URL(res.headers.get('location')).searchParams.get('SAMLRequest');
        return { cookie, requestId: /ID="([^"]+)"/.exec(inflateRawSync(Buffer.from(request, 'base64')).toString('utf8'))[1] };
      },
    );
    const messages = started.map(({ cookie, requestId }, i) => ({
      cookie,
      requestId,
      body: `SAMLResponse=${encodeURIComponent(Buffer.from(signedResponse(at, requestId, `user-${i}-${randomBytes(3).toString('hex')}@corp.example`)).toString('base64'))}`,
    }));
    if (at !== saml) return messages; // the raw server is addressed as this build's rolegate only
    const told = await fetch(`${rawUrl}/saml/requests`, { method: 'POST', body: JSON.stringify(messages.map((m) => m.requestId)) });
    if (!told.ok) throw new Error(`the raw server refused the request ids: ${told.status}`);
    return messages;
  };
  /** N Responses for the floor (its own request ids, told to it first), addressed as this build's rolegate's. */
  const floorSamlMessages = async (n) => {
    const messages = Array.from({ length: n }, (_, i) => {
      const requestId = `_${randomBytes(20).toString('hex')}`;
      const body = `SAMLResponse=${encodeURIComponent(Buffer.from(signedResponse(saml, requestId, `floor-${i}-${randomBytes(3).toString('hex')}@corp.example`)).toString('base64'))}`;
      return { requestId, body };
    });
    const told = await fetch(`${rawUrl}/floor/saml/requests`, { method: 'POST', body: JSON.stringify(messages.map((m) => m.requestId)) });
    if (!told.ok) throw new Error(`the floor refused the request ids: ${told.status}`);
    return messages;
  };
  const postAcs = (url, withCookie) => async (m) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...(withCookie ? { cookie: m.cookie } : {}), 'content-type': 'application/x-www-form-urlencoded' },
      body: m.body,
    });
    const text = await res.text();
    const session = res.headers.getSetCookie().some((c) => /^(rolegate_session|session)=/.test(c));
    return res.status === 200 && session ? 'ok' : `${res.status} ${text.slice(0, 120)}`;
  };

  // --- OIDC ---------------------------------------------------------------------------------
  /** N sign-ins started at `loginUrl` and taken through the IdP: [{ url (the callback), cookie }]. */
  const oidcCallbacks = (loginUrl, cookieName, n) =>
    pool(
      Array.from({ length: n }, (_, i) => i),
      8,
      async () => {
        const start = await fetch(loginUrl, { redirect: 'manual' });
        if (start.status !== 302) throw new Error(`GET ${loginUrl} answered ${start.status}: ${await start.text()}`);
        const cookie = (start.headers.getSetCookie().find((c) => c.startsWith(`${cookieName}=`)) ?? '').split(';')[0];
        const authorized = await fetch(start.headers.get('location'), { redirect: 'manual' });
        if (authorized.status !== 302) throw new Error(`the IdP answered ${authorized.status}: ${await authorized.text()}`);
        return { url: authorized.headers.get('location'), cookie };
      },
    );
  const getCallback = async (m) => {
    const res = await fetch(m.url, { headers: { cookie: m.cookie }, redirect: 'manual' });
    const text = await res.text();
    const session = res.headers.getSetCookie().some((c) => /^(rolegate_session|session)=/.test(c));
    return res.status === 303 && session ? 'ok' : `${res.status} ${text.slice(0, 120)}`;
  };

  const targets = {
    samlRaw: { name: 'raw @node-saml/node-saml, node:http', pid: raw.child.pid, send: postAcs(`${rawUrl}/saml/acs`, false) },
    samlFloor: {
      name: 'floor: raw + Redis request id, count, replay, session; audit row',
      pid: raw.child.pid,
      send: postAcs(`${rawUrl}/floor/saml/acs`, false),
    },
    samlOurs: { name: 'rolegate POST /auth/saml/<idp>/acs', pid: broker.pid, send: postAcs(saml.acs, true) },
    oidcRaw: { name: 'raw openid-client, node:http', pid: raw.child.pid, send: getCallback },
    oidcFloor: { name: 'floor: raw + Redis tx, count, session; audit row', pid: raw.child.pid, send: getCallback },
    oidcOurs: { name: 'rolegate GET /auth/oidc/<idp>/callback', pid: broker.pid, send: getCallback },
    ...(before
      ? {
          samlBefore: {
            name: `${process.env.BENCH_COMPARE_DIST}: POST acs`,
            pid: before.pid,
            send: postAcs(samlEndpoints(before.url).acs, true),
          },
          oidcBefore: { name: `${process.env.BENCH_COMPARE_DIST}: GET callback`, pid: before.pid, send: getCallback },
        }
      : {}),
  };
  const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  const measure = async (key, messages) => results[key].push(await drive(messages, targets[key], idp.child.pid));

  // A warm-up round (JIT, connection pools, the verifier thread), not counted.
  if (ONLY !== 'oidc') {
    const warm = await samlMessages(WARM_UP);
    await drive(warm, targets.samlRaw);
    await drive(warm, targets.samlOurs);
    await drive(await floorSamlMessages(WARM_UP), targets.samlFloor);
    if (before) await drive(await samlMessages(WARM_UP, samlEndpoints(before.url)), targets.samlBefore);
  }
  if (ONLY !== 'saml') {
    await drive(await oidcCallbacks(`${rawUrl}/oidc/login`, 'tx', WARM_UP), targets.oidcRaw);
    await drive(await oidcCallbacks(`${rawUrl}/floor/oidc/login`, 'tx', WARM_UP), targets.oidcFloor);
    await drive(await oidcCallbacks(`${broker.url}/auth/oidc/bench-oidc/login`, 'rolegate_login', WARM_UP), targets.oidcOurs);
    if (before) await drive(await oidcCallbacks(`${before.url}/auth/oidc/bench-oidc/login`, 'rolegate_login', WARM_UP), targets.oidcBefore);
  }
  const loads = [];
  /** Per round, with a build to compare: CPU per OIDC callback of each build while both are sent callbacks in turn. */
  const interleaved = [];
  /**
   * The two builds' OIDC callbacks one for one, CONCURRENCY at once in all, so both see the same
   * load at the same moments: on a busy machine the steadiest A/B of CPU per sign-in.
   */
  const driveInterleaved = async (a, b, n) => {
    const [ofA, ofB] = await Promise.all([a, b].map((x) => oidcCallbacks(`${x.url}/auth/oidc/bench-oidc/login`, 'rolegate_login', n)));
    const list = ofA.flatMap((m, i) => [m, ofB[i]]);
    const cpu = [cpuMs(a.pid), cpuMs(b.pid)];
    let errors = 0;
    await pool(list, CONCURRENCY, async (m) => {
      if ((await getCallback(m).catch(() => 'failed')) !== 'ok') errors++;
    });
    return { ours: (cpuMs(a.pid) - cpu[0]) / n, before: (cpuMs(b.pid) - cpu[1]) / n, errors };
  };
  for (let round = 0; round < ROUNDS; round++) {
    const messages = ONLY === 'oidc' ? [] : await samlMessages(SAML_N);
    const floorMessages = ONLY === 'oidc' ? [] : await floorSamlMessages(SAML_N);
    const rawCallbacks = ONLY === 'saml' ? [] : await oidcCallbacks(`${rawUrl}/oidc/login`, 'tx', OIDC_N);
    const floorCallbacks = ONLY === 'saml' ? [] : await oidcCallbacks(`${rawUrl}/floor/oidc/login`, 'tx', OIDC_N);
    const ourCallbacks = ONLY === 'saml' ? [] : await oidcCallbacks(`${broker.url}/auth/oidc/bench-oidc/login`, 'rolegate_login', OIDC_N);
    const beforeMessages = before && ONLY !== 'oidc' ? await samlMessages(SAML_N, samlEndpoints(before.url)) : [];
    const beforeCallbacks =
      before && ONLY !== 'saml' ? await oidcCallbacks(`${before.url}/auth/oidc/bench-oidc/login`, 'rolegate_login', OIDC_N) : [];
    loads.push(loadavg()[0]);
    // The raw server keeps no replay cache, so it gets the very bytes rolegate gets.
    const order = [
      ['samlRaw', messages],
      ['samlOurs', messages],
      ['samlFloor', floorMessages],
    ];
    const oidcOrder = [
      ['oidcRaw', rawCallbacks],
      ['oidcOurs', ourCallbacks],
      ['oidcFloor', floorCallbacks],
    ];
    if (before) {
      order.push(['samlBefore', beforeMessages]);
      oidcOrder.push(['oidcBefore', beforeCallbacks]);
    }
    // Each round starts with the next target: each goes first, in the middle and last as often (with a build to compare, too).
    const turn = (list) => [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
    for (const [key, list] of [...turn(order), ...turn(oidcOrder)]) if (!ONLY || key.startsWith(ONLY)) await measure(key, list);
    if (before && ONLY !== 'saml') interleaved.push(await driveInterleaved(broker, before, Math.round(OIDC_N / 2)));
  }

  const rows = Object.entries(targets)
    .filter(([key]) => results[key].length > 0)
    .map(([key, t]) => ({ name: t.name, key, ...medianRound(results[key]) }));
  const row = (key) => rows.find((r) => r.key === key);
  console.log(
    `sign-ins at ${CONCURRENCY} at once, ${ROUNDS} rounds (median round): SAML ${SAML_N} per round (${GROUPS.length} groups, ${Math.round(
      (row('samlOurs')?.bytes ?? 0) / 1024,
    )} KB posted), OIDC ${OIDC_N} per round; load average 1 min at each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`,
  );
  console.log(table(rows));
  // Where each server's CPU went, by thread (the median round's): rolegate verifies SAML on a WorkerThread.
  for (const r of rows) {
    const split = Object.entries(r.threadsMs)
      .filter(([, ms]) => ms >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
    console.log(`  CPU ms/sign-in by thread, ${r.name}: ${split.join(', ') || '-'}`);
  }
  const ratio = (ours, base) => {
    const o = row(ours);
    const b = row(base);
    const r = o.perSecond / b.perSecond;
    return `${r.toFixed(2)} (target ≥ ${TARGET}: ${r >= TARGET ? 'met' : 'NOT met'}); CPU per sign-in ${(o.cpuMs / b.cpuMs).toFixed(2)}× raw`;
  };
  for (const [protocol, ours, base] of [
    ['SAML', 'samlOurs', 'samlRaw'],
    ['OIDC', 'oidcOurs', 'oidcRaw'],
  ]) {
    if (!row(ours)) continue;
    console.log(`${protocol} rolegate/raw throughput: ${ratio(ours, base)}; rounds (sign-ins/s), raw/rolegate: ${pairs(base, ours)}`);
    const floorRow = row(protocol === 'OIDC' ? 'oidcFloor' : 'samlFloor');
    if (floorRow) {
      console.log(
        `${protocol} floor/raw throughput: ${(floorRow.perSecond / row(base).perSecond).toFixed(2)}, CPU per sign-in ${(floorRow.cpuMs / row(base).cpuMs).toFixed(2)}× raw; rolegate/floor throughput: ${(row(ours).perSecond / floorRow.perSecond).toFixed(2)}, CPU per sign-in ${(row(ours).cpuMs / floorRow.cpuMs).toFixed(2)}× the floor's`,
      );
    }
    const old = row(ours.replace('Ours', 'Before'));
    if (old) {
      // Beside the median round's figures, the median of every round's CPU per sign-in: the steadier A/B on a shared machine.
      const cpu = (key) => median(results[key].map((r) => r.cpuMs));
      const [mine, theirs] = [cpu(ours), cpu(ours.replace('Ours', 'Before'))];
      console.log(
        `${protocol} this build / ${process.env.BENCH_COMPARE_DIST}: CPU per sign-in (median of rounds) ${mine.toFixed(2)} / ${theirs.toFixed(2)} ms (${(mine / theirs).toFixed(2)}×), throughput ${(row(ours).perSecond / old.perSecond).toFixed(2)}×, its ratio to raw ${(old.perSecond / row(base).perSecond).toFixed(2)}; rounds (CPU ms): ${results[ours].map((r, i) => `${r.cpuMs.toFixed(2)}/${results[ours.replace('Ours', 'Before')][i].cpuMs.toFixed(2)}`).join(', ')}`,
      );
    }
  }
  if (interleaved.length > 0) {
    const ours = median(interleaved.map((r) => r.ours));
    const theirs = median(interleaved.map((r) => r.before));
    console.log(
      `OIDC interleaved A/B (${Math.round(OIDC_N / 2)} callbacks each per round, sent in turn): CPU per sign-in this build / ${process.env.BENCH_COMPARE_DIST} ${ours.toFixed(2)} / ${theirs.toFixed(2)} ms (${(ours / theirs).toFixed(2)}×, median of rounds); rounds: ${interleaved
        .map((r) => `${r.ours.toFixed(2)}/${r.before.toFixed(2)}`)
        .join(', ')}; failed: ${interleaved.reduce((sum, r) => sum + r.errors, 0)}`,
    );
    if (interleaved.some((r) => r.errors > 0)) process.exitCode = 1;
  }
  if (ONLY !== 'oidc') await verifierInProcess(broker.url);
  const failures = rows.filter((r) => r.errors > 0);
  if (failures.length > 0) {
    for (const r of failures) console.log(`${r.name}: ${r.errors} failed, e.g. ${r.firstError}`);
    process.exitCode = 1;
  }

  function pairs(a, b) {
    return results[a].map((r, i) => `${r.perSecond.toFixed(0)}/${results[b][i].perSecond.toFixed(0)}`).join(', ');
  }
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(process.exitCode ?? 0);

/**
 * rolegate's SAML verifier (dist/adapters/saml) in this process, beside node-saml alone, on the
 * same freshly signed messages (no HTTP, Redis or PostgreSQL): inline, one message after
 * another, as the raw server does it; and on its worker thread with CONCURRENCY messages at
 * once, as rolegate runs it. CPU ms per message is this process's, all threads (the signing
 * of the messages happens before).
 */
async function verifierInProcess(publicUrl) {
  const { SamlVerifier } = await import(path.join(root, 'dist/adapters/saml/saml-verifier.js'));
  const { SamlVerifierThread } = await import(path.join(root, 'dist/adapters/saml/saml-verifier-thread.js'));
  const { samlSettingsSchema } = await import(path.join(root, 'dist/domain/identity-provider.js'));
  const { SAML } = await import('@node-saml/node-saml');
  const settings = {
    publicUrl: `${publicUrl}/`,
    clockSkewMs: 30_000,
    maxAssertionAgeMs: 300_000,
    requestIdTtlMs: 300_000,
    maxMessageBytes: 524_288,
    xmlLimits: { maxDepth: 32, maxElements: 2000, maxAttributes: 4000, maxAttributesPerElement: 32, maxNamespacesInScope: 24 },
  };
  const idp = {
    id: 'bench',
    slug: 'bench-saml',
    displayName: 'Bench SAML',
    enabled: true,
    kind: 'saml',
    groupsFrom: 'groups',
    settings: samlSettingsSchema.parse({ entityId: SAML_ENTITY_ID, ssoUrl: 'https://idp.bench.example/sso', certificates: [IDP.cert] }),
  };
  const raw = new SAML(
    nodeSamlOptions({ audience: saml.audience, acsUrl: saml.acs, certificates: [IDP.cert], idpEntityId: SAML_ENTITY_ID }),
  );
  const n = Math.max(100, Math.round(SAML_N / 2));
  const make = async () => {
    const list = Array.from({ length: n }, (_, i) => {
      const requestId = `_${randomBytes(20).toString('hex')}`;
      return { requestId, b64: Buffer.from(signedResponse(saml, requestId, `loop-${i}@corp.example`)).toString('base64') };
    });
    const instant = new Date().toISOString();
    for (const m of list) await raw.cacheProvider.saveAsync(m.requestId, instant);
    return list;
  };
  const thread = new SamlVerifierThread(settings);
  const inline = new SamlVerifier(settings);
  const ways = {
    raw: { name: 'node-saml alone, inline', run: (list) => pool(list, 1, (m) => raw.validatePostResponseAsync({ SAMLResponse: m.b64 })) },
    inline: { name: 'rolegate verifier, inline', run: (list) => pool(list, 1, (m) => inline.validateResponse(idp, m.b64, m.requestId)) },
    thread: {
      name: `rolegate verifier, its thread (${CONCURRENCY} at once)`,
      run: (list) => pool(list, CONCURRENCY, (m) => thread.validateResponse(idp, m.b64, m.requestId)),
    },
  };
  const figures = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  // Start the thread and warm each way (two lists each: see WARM_UP).
  for (const way of [ways.raw, ways.inline, ways.thread]) for (let i = 0; i < 2; i++) await way.run(await make());
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of round % 2 === 0 ? Object.keys(ways) : Object.keys(ways).reverse()) {
      const list = await make();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await ways[key].run(list);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      figures[key].push({ perSecond: n / seconds, cpuMs: (used.user + used.system) / 1000 / n });
    }
  }
  await thread.close();
  console.log(
    `\nSAML verification in one process, ${n} messages per round, ${ROUNDS} rounds (median round), load average ${loadavg()[0].toFixed(2)}`,
  );
  for (const [key, way] of Object.entries(ways)) {
    const m = medianRound(figures[key]);
    console.log(`  ${way.name.padEnd(44)} ${m.perSecond.toFixed(0).padStart(5)} messages/s  ${m.cpuMs.toFixed(2)} CPU ms/message`);
  }
  const [r, i, t] = ['raw', 'inline', 'thread'].map((k) => medianRound(figures[k]));
  console.log(
    `  rolegate's checks beside node-saml's: ${(i.cpuMs / r.cpuMs).toFixed(2)}× the CPU; the thread: ${(t.perSecond / i.perSecond).toFixed(2)}× the inline throughput`,
  );
}

/** Sends every message once, CONCURRENCY at a time; the throughput, latencies and the server's CPU. */
async function drive(messages, target, idpPid) {
  const cpuBefore = cpuMs(target.pid);
  const threadsBefore = threadCpuMs(target.pid);
  const idpBefore = idpPid ? cpuMs(idpPid) : 0;
  const latencies = [];
  let errors = 0;
  let firstError;
  const started = performance.now();
  await pool(messages, CONCURRENCY, async (m) => {
    const at = performance.now();
    const outcome = await target.send(m).catch((error) => `failed: ${error.message}`);
    latencies.push(performance.now() - at);
    if (outcome !== 'ok') {
      errors++;
      firstError ??= outcome;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: messages.length,
    perSecond: messages.length / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
    errors,
    firstError,
    cpuMs: (cpuMs(target.pid) - cpuBefore) / messages.length,
    threadsMs: Object.fromEntries(
      Object.entries(threadCpuMs(target.pid)).map(([name, ms]) => [name, (ms - (threadsBefore[name] ?? 0)) / messages.length]),
    ),
    idpCpuMs: idpPid ? (cpuMs(idpPid) - idpBefore) / messages.length : undefined,
    bytes: messages[0]?.body?.length,
  };
}

/** Runs `work` on every item, `concurrency` at a time; the results in order. */
async function pool(items, concurrency, work) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i], i);
      }
    }),
  );
  return out;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function medianRound(rounds) {
  return [...rounds].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(rounds.length / 2)];
}

function table(rows) {
  const header = ['target', 'sign-ins/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU ms/sign-in', 'IdP CPU ms/sign-in'];
  const lines = rows.map((r) =>
    [
      r.name,
      r.perSecond.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      `${r.errors}/${r.count}`,
      r.cpuMs.toFixed(2),
      r.key.startsWith('oidc') ? r.idpCpuMs.toFixed(2) : '-',
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

/** rolegate's SAML endpoints (ACS, sign-in start, SP entity id) toward the bench IdP at `brokerUrl`. */
function samlEndpoints(brokerUrl) {
  return {
    acs: `${brokerUrl}/auth/saml/bench-saml/acs`,
    login: `${brokerUrl}/auth/saml/bench-saml/login`,
    audience: `${brokerUrl}/auth/saml/bench-saml/metadata`,
  };
}

/** Closes `broker` and waits (10 s at most) until its process has exited, e.g. has written its CPU profile. */
async function closeAndWait(broker) {
  await broker.close();
  for (let i = 0; i < 100 && isRunning(broker.pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A Response answering `requestId` to the rolegate at `to` (samlEndpoints), its assertion signed by the test IdP key (bench only: string-built). */
function signedResponse(to, requestId, nameId) {
  const now = new Date();
  const at = (ms) => new Date(now.getTime() + ms).toISOString();
  const id = () => `_${randomBytes(16).toString('hex')}`;
  const acsUrl = `${new URL(to.acs).href}`;
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${at(0)}" Destination="${acsUrl}" InResponseTo="${requestId}">` +
    `<saml:Issuer>${SAML_ENTITY_ID}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${id()}" Version="2.0" IssueInstant="${at(0)}"><saml:Issuer>${SAML_ENTITY_ID}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${nameId}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${at(300_000)}" Recipient="${acsUrl}" InResponseTo="${requestId}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at(-60_000)}" NotOnOrAfter="${at(300_000)}"><saml:AudienceRestriction><saml:Audience>${to.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement><saml:Attribute Name="groups">${GROUPS.map((g) => `<saml:AttributeValue>${g}</saml:AttributeValue>`).join('')}</saml:Attribute>` +
    `<saml:Attribute Name="email"><saml:AttributeValue>${nameId}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`;
  return signAssertionAsIdp(xml, IDP);
}
