import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewPageResponse, ReviewView } from '../../src/contracts/access-reviews.js';
import type { AuditPageResponse } from '../../src/contracts/admin.js';
import { startAdminWorld } from '../support/admin-world.js';
import { startSecondInstance } from '../support/app.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';

/**
 * One campaign worked on through two rolegate instances at once (same PostgreSQL and Redis, as
 * behind a load balancer): every entry gets one decision and one audit row, whichever instance
 * each reviewer reached, and a close racing the decisions leaves no decision after it.
 */
let world: ExchangeWorld;
let b: Awaited<ReturnType<typeof startSecondInstance>>;
let bob: SignedIn;

beforeAll(async () => {
  world = await startAdminWorld();
  b = await startSecondInstance(world.app.t);
  bob = await world.signIn('bob');
  const alice = await world.signIn('alice');
  expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  await b.close();
  await world.close();
});

/** bob's session on either instance (one cookie jar, one session store). */
const on = (base: string, path: string, body?: unknown) =>
  bob.browser.request(`${base}${path}`, {
    ...(body === undefined
      ? {}
      : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-csrf-token': bob.csrfToken } }),
  });

describe('a review campaign on two instances at once', () => {
  it('when both instances decide every entry at once, then each entry has one decision and one audit row; a racing close stops the rest', async () => {
    const opened = await on(world.app.url, '/api/v1/admin/reviews', { scope: { kind: 'account', value: 'sandbox' } });
    expect(opened.status).toBe(201);
    const review = (await opened.json()) as ReviewView;
    // The other instance sees it at once (PostgreSQL, no cache).
    const page = (await (await on(b.url, `/api/v1/admin/reviews/${review.id}?limit=100`)).json()) as ReviewPageResponse;
    expect(page.entries).toHaveLength(review.entryCount);
    const positions = page.entries.map((e) => e.position);
    const [last, ...rest] = [...positions].reverse();
    if (last === undefined) throw new Error('no entries');

    const decide = (base: string, position: number, decision: 'confirm' | 'remove') =>
      on(base, `/api/v1/admin/reviews/${review.id}/entries/${String(position)}`, { decision, comment: base === b.url ? 'b' : 'a' });
    const races = await Promise.all(rest.map((p) => Promise.all([decide(world.app.url, p, 'confirm'), decide(b.url, p, 'remove')])));
    for (const [x, y] of races) expect([x.status, y.status].sort()).toEqual([200, 409]);

    // The close (on one) against the last decision (on the other): either the decision lands first, or it is a 409.
    const [closed, lastDecision] = await Promise.all([
      on(b.url, `/api/v1/admin/reviews/${review.id}/close`, {}),
      decide(world.app.url, last, 'confirm'),
    ]);
    expect(closed.status).toBe(200);
    expect([200, 409]).toContain(lastDecision.status);

    const after = (await (await on(world.app.url, `/api/v1/admin/reviews/${review.id}?limit=100`)).json()) as ReviewPageResponse;
    expect(after.review.state).toBe('closed');
    const decided = after.entries.filter((e) => e.decision !== null);
    expect(decided).toHaveLength(rest.length + (lastDecision.status === 200 ? 1 : 0));
    // Each decision is the one its winner answered, with the winner's comment.
    for (const [i, p] of rest.entries()) {
      const entry = after.entries.find((e) => e.position === p);
      const [x] = races[i] ?? [];
      expect(entry?.decision).toBe(x?.status === 200 ? 'confirm' : 'remove');
      expect(entry?.comment).toBe(x?.status === 200 ? 'a' : 'b');
    }
    const trail = (await (await on(world.app.url, '/api/v1/admin/audit?type=review.decide&limit=1000')).json()) as AuditPageResponse;
    const ofReview = trail.events.filter((e) => e.details?.reviewId === review.id);
    expect(ofReview).toHaveLength(decided.length);
    expect(new Set(ofReview.map((e) => e.details?.position)).size).toBe(decided.length);
  }, 60_000);
});
