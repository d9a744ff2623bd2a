import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/domain/notifications.js';
import { cliPaths } from '../../src/cli/config-dir.js';
import { advanceAccessRequests } from '../../src/features/access-requests/access-requests.js';
import { signedInCliHome } from '../support/admin-world.js';
import { startSecondInstance } from '../support/app.js';
import { auditRows } from '../support/login-app.js';
import { runCli, type CliHome } from '../support/cli-process.js';
import { DEMO_MAPPINGS, PROD, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { signInWithDemoIdp, submitting } from '../support/portal-pages.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';
import { loadDocumentedVerifier } from '../support/webhook-verifier.js';

/**
 * Issue 17's "Done when" as one story, on two instances of one database and
 * Redis: alice (aws-dev) requests prod Admin with a reason in the portal
 * (real Chromium); bob (aws-admin), signed in with a password only, approves
 * on the request page after a step-up sign-in with an MFA code; alice's
 * built `credential-process` and her portal get credentials that end by the
 * grant's end; the grant ends (rolegate's clock is moved, never slept on) and
 * both surfaces refuse on both instances; a webhook receiver on loopback gets
 * each event, signed, also after it was down for a while.
 */
const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: `arn:aws:iam::${PROD}:role/Admin`,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h', approverMfaMaxAge: '30m' },
};
/** A short grant (the shortest AWS session, 15 min, must fit in it): the clock is moved past its end. */
const GRANT = '20m';
const REASON = 'rotate the prod database password';

// One clock for both instances and the receiver, moved once (never by sleeping).
let offset = 0;
const clock = { now: () => Date.now() + offset };

const secret = randomBytes(32).toString('hex');
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let world: ExchangeWorld;
let second: Awaited<ReturnType<typeof startSecondInstance>>;
let chromium: RealBrowser;
let alicePage: Page;
let bobPage: Page;
let aliceApi: SignedIn;
/** alice's CLI, signed in against each instance. */
let cli: { first: CliHome; second: CliHome };

interface RequestView {
  id: string;
  state: string;
  role: { name: string };
  endsAt?: string;
  endReason?: string;
}

beforeAll(async () => {
  const documented = await loadDocumentedVerifier();
  // The receiver's clock is rolegate's: the signature's timestamp is checked against the same time.
  receiver = await startWebhookReceiver((headers, body) => documented(secret, headers, body, clock.now()));
  [world, chromium] = await Promise.all([
    startExchangeWorld(
      {
        ROLEGATE_NOTIFICATION_WEBHOOKS: JSON.stringify([{ name: 'siem', url: receiver.url('/hooks/rolegate'), format: 'json', secret }]),
        // Retries come fast, and enough of them that the end waits out the receiver's outage instead of dying.
        ROLEGATE_NOTIFICATION_MAX_ATTEMPTS: '100',
        ROLEGATE_NOTIFICATION_BACKOFF_BASE_MS: '50',
        ROLEGATE_NOTIFICATION_BACKOFF_MAX_MS: '200',
        ROLEGATE_NOTIFICATION_POLL_MS: '50',
      },
      [...DEMO_MAPPINGS, ELIGIBLE_ADMIN],
      { clock },
    ),
    launchRealBrowser(),
  ]);
  second = await startSecondInstance(world.app.t, undefined, { clock });
  alicePage = await (await chromium.newContext()).newPage();
  bobPage = await (await chromium.newContext()).newPage();
  await signInWithDemoIdp(alicePage, world.app.url, '/portal', 'Alice Example');
  aliceApi = await world.signIn('alice');
  const [first, other] = await Promise.all([
    signedInCliHome(world, aliceApi),
    world.signIn('alice').then((signedIn) => signedInCliHome(world, signedIn, second.url)),
  ]);
  cli = { first: first.home, second: other.home };
}, 120_000);
afterAll(async () => {
  await chromium.close();
  await second.close();
  await world.close();
  await receiver.close();
});

const myRequests = async () => ((await (await aliceApi.api('/api/v1/access-requests')).json()) as { requests: RequestView[] }).requests;
const credentialProcess = (home: CliHome) => runCli(['credential-process', '--account', 'prod', '--role', 'Admin'], home);
/** The granted Admin row on the page's /portal (listed as usable, not the eligible row). */
const grantedAdmin = (page: Page) =>
  page.locator('section.account li.role:not(.role-eligible)', { has: page.locator('.role-name', { hasText: /^Admin$/ }) });
const eventsAbout = (id: string): ReceivedWebhook[] =>
  receiver.received.filter((r) => (JSON.parse(r.body) as NotificationEvent).request?.id === id);

describe('just-in-time access, done when (issue 17)', () => {
  let id = '';
  let endsAt = 0;

  it('when alice requests prod Admin with a reason in the portal, then it is pending', async () => {
    await alicePage.goto(`${world.app.url}/portal/requests/new?role=${PROD}/Admin`);
    await alicePage.getByLabel(/^Duration/).fill(GRANT);
    await alicePage.getByLabel(/^Reason/).fill(REASON);
    const answer = await submitting(alicePage, '/portal/requests', () => alicePage.getByRole('button', { name: 'Request access' }).click());
    expect(answer.status()).toBe(303);
    await alicePage.waitForURL(`${world.app.url}/portal/requests`);
    const [request] = await myRequests();
    expect(request).toMatchObject({ state: 'pending', role: { name: 'Admin' } });
    id = request?.id ?? '';
  });

  it('when bob, signed in with a password only, clicks Approve, then he steps up with an MFA code, comes back and approves', async () => {
    const url = world.app.url;
    await bobPage.goto(`${url}/portal`);
    await bobPage.locator('li', { hasText: 'Sign in as Bob Example' }).getByRole('button', { name: 'with a password only' }).click();
    await bobPage.waitForURL((u) => u.href.startsWith(url) && !u.pathname.startsWith('/auth/'));

    await bobPage.goto(`${url}/portal/requests/${id}`);
    const refused = await submitting(bobPage, `/portal/requests/${id}/approve`, () =>
      bobPage.getByRole('button', { name: 'Approve' }).click(),
    );
    expect(refused.status()).toBe(303);
    expect(refused.headers().location).toBe(`/login/step-up?returnTo=${encodeURIComponent(`/portal/requests/${id}`)}`);
    // The IdP asks again although its session is live.
    await bobPage.waitForURL((u) => u.pathname.startsWith('/interaction/'));
    expect((await myRequests())[0]?.state).toBe('pending');
    await bobPage.locator('li', { hasText: 'Sign in as Bob Example' }).getByRole('button', { name: 'with an MFA code' }).click();
    await bobPage.waitForURL(`${url}/portal/requests/${id}`);
    const me = (await (await bobPage.request.get(`${url}/api/v1/me`)).json()) as { id: string; authn: { mfa: boolean } };
    expect(me).toMatchObject({ id: 'demo:bob', authn: { mfa: true } });

    const approved = await submitting(bobPage, `/portal/requests/${id}/approve`, () =>
      bobPage.getByRole('button', { name: 'Approve' }).click(),
    );
    expect(approved.status()).toBe(303);
    expect(approved.headers().location).toBe(`/portal/requests/${id}`);
    await bobPage.waitForURL(`${url}/portal/requests/${id}`);
    expect(await bobPage.locator('.request-details').textContent()).toContain('active');
    const grant = (await myRequests()).find((r) => r.id === id);
    expect(grant?.state).toBe('active');
    endsAt = Date.parse(grant?.endsAt ?? '');
    expect(endsAt - clock.now()).toBeGreaterThan(19 * 60_000);
    expect(endsAt - clock.now()).toBeLessThanOrEqual(20 * 60_000);
  });

  it('when alice asks for credentials with credential-process and in the portal, on either instance, then they end by the grant', async () => {
    for (const home of [cli.first, cli.second]) {
      const run = await credentialProcess(home);
      expect(run.code, run.stderr).toBe(0);
      const { Expiration, AccessKeyId } = JSON.parse(run.stdout) as { Expiration: string; AccessKeyId: string };
      expect(AccessKeyId).toMatch(/^ASIA/);
      expect(Date.parse(Expiration)).toBeLessThanOrEqual(endsAt);
      expect(Date.parse(Expiration)).toBeGreaterThan(endsAt - 2 * 60_000);
    }

    // The portal asks for 1 h: clamped to the grant's end. Same cookie on either instance (one Redis).
    for (const base of [world.app.url, second.url]) {
      await alicePage.goto(`${base}/portal`);
      const row = grantedAdmin(alicePage);
      await expect(row.locator('.badge-grant').textContent()).resolves.toBe('granted');
      expect(Date.parse((await row.locator('[data-ends-at]').getAttribute('data-ends-at')) ?? '')).toBe(endsAt);
      await row.locator('select').selectOption({ label: '1 h' });
      await row.getByRole('button', { name: 'CLI credentials for Admin in prod' }).click();
      await alicePage.waitForURL(`${base}/portal/credentials`);
      const expiresAt = Date.parse((await alicePage.locator('[data-expires-at]').getAttribute('data-expires-at')) ?? '');
      expect(expiresAt).toBeLessThanOrEqual(endsAt);
      expect(expiresAt).toBeGreaterThan(endsAt - 2 * 60_000);
    }
  });

  it('when the grant’s end passes, then both surfaces refuse on both instances at once, and the sweep ends it once', async () => {
    // Tabs still showing the granted role on each instance, clicked after the end.
    const stale = await Promise.all(
      [world.app.url, second.url].map(async (base) => {
        const page = await alicePage.context().newPage();
        await page.goto(`${base}/portal`);
        await expect(grantedAdmin(page).locator('.badge-grant').textContent()).resolves.toBe('granted');
        return { base, page };
      }),
    );
    // The receiver is down while the grant ends: the event waits in the outbox.
    await receiver.down();
    offset = endsAt - Date.now() + 60_000;

    // No sweep has run yet: each instance compares the grant's end with its clock.
    for (const home of [cli.first, cli.second]) {
      // The CLI's own cache answers until each entry's Expiration (at or before the grant's end, above) by
      // the laptop's clock, which is real time here: emptied as that time passing would.
      const { cacheDir } = cliPaths(home.configDir);
      expect(existsSync(cacheDir)).toBe(true);
      rmSync(cacheDir, { recursive: true, force: true });
      const run = await credentialProcess(home);
      expect(run.code, run.stderr).toBe(11);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^rolegate: Admin in prod needs an approved access request/);
      expect(run.stderr).toContain('hint: run `rolegate request --account prod --role Admin');
    }
    for (const { base, page } of stale) {
      const row = grantedAdmin(page);
      await row.locator('select').selectOption({ label: '1 h' });
      const answer = await submitting(page, '/portal/credentials', () =>
        row.getByRole('button', { name: 'CLI credentials for Admin in prod' }).click(),
      );
      expect(answer.status()).toBe(403);
      expect(await page.locator('main').textContent()).toContain('Admin in prod');
      await page.goto(`${base}/portal`);
      expect(await grantedAdmin(page).count()).toBe(0);
      expect(await page.locator('li.role-eligible .role-name').allTextContents()).toContain('Admin');
      await page.close();
    }

    // What each instance's timer does every 10 s, run now on the second (a timer may beat it): the grant ends once.
    await advanceAccessRequests(second.deps.accessRequests ?? fail('no access requests on the second instance'));
    await advanceAccessRequests(world.app.t.deps.accessRequests ?? fail('no access requests'));
    expect((await myRequests()).find((r) => r.id === id)).toMatchObject({ state: 'expired', endReason: 'expired' });
    const ends = (await auditRows(world.app.t, 'access_grant.end')).filter(
      (r) => (r.details as { accessRequestId?: string }).accessRequestId === id,
    );
    expect(ends.map((r) => [r.subject, (r.details as { end: string }).end])).toEqual([['rolegate:system', 'expired']]);
  });

  it('when the receiver is back, then it has created, approved, activated and ended, each correctly signed, each once', async () => {
    const outboxRow = () =>
      world.app.t.deps.database.prisma.$queryRawUnsafe<{ state: string; attempts: number }[]>(
        `SELECT state, attempts FROM notification_outbox WHERE kind = 'access_grant.ended' AND payload->'request'->>'id' = $1`,
        id,
      );
    await waitFor(async () => {
      const [row] = await outboxRow();
      if (row && row.attempts >= 2 && row.state === 'pending') return row;
      throw new Error(`the end's outbox row is ${JSON.stringify(row)}`);
    }, 'two failed deliveries of the end while the receiver is down');
    await receiver.up();
    const kinds = ['access_request.created', 'access_request.approved', 'access_grant.activated', 'access_grant.ended'];
    const deliveries = await waitFor(() => {
      const mine = eventsAbout(id);
      return mine.length >= kinds.length ? mine : undefined;
    }, 'four events about the request at the receiver');
    const events = deliveries.map((d) => JSON.parse(d.body) as NotificationEvent & { url?: string });
    expect(events.map((e) => e.kind).sort()).toEqual([...kinds].sort());
    for (const delivery of deliveries) {
      expect(delivery.verdict).toBe('valid');
      expect(delivery.path).toBe('/hooks/rolegate');
    }
    const byKind = new Map(events.map((e) => [e.kind, e]));
    expect(byKind.get('access_request.created')).toMatchObject({ actor: 'demo:alice', request: { state: 'pending', reason: REASON } });
    expect(byKind.get('access_request.approved')).toMatchObject({ actor: 'demo:bob', request: { decidedBy: 'demo:bob' } });
    expect(byKind.get('access_grant.ended')).toMatchObject({ request: { state: 'expired', endReason: 'expired' } });
    for (const e of events) expect(e.url).toBe(`${world.app.url}/portal/requests/${id}`);
    // The receiver answers before the dispatcher records the delivery: wait for that record, not a moment.
    await waitFor(async () => {
      const [row] = await outboxRow();
      if (row?.state === 'delivered') return row;
      throw new Error(`the end's outbox row is ${JSON.stringify(row)}`);
    }, "the end's outbox row marked delivered");
    expect(eventsAbout(id)).toHaveLength(kinds.length);
  });
});

function fail(message: string): never {
  throw new Error(message);
}
