import type { IdentityProviderSeed } from '../../domain/identity-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { Logger } from '../../ports/logger.js';
import type { OidcGateway } from '../../ports/oidc-gateway.js';
import type { SamlMetadataReader } from '../../ports/saml-gateway.js';
import { MetadataUnavailable, seedIdentityProvider } from './seed-identity-providers.js';

/**
 * checking: not known yet (the first check is running). available: reachable.
 * stale: its SAML metadata could not be refreshed, sign-in uses what the
 * database holds from earlier. unavailable: nobody can sign in there now.
 */
export type IdpState = 'checking' | 'available' | 'stale' | 'unavailable';

export interface IdpStatus {
  slug: string;
  displayName: string;
  kind: IdentityProviderSeed['kind'];
  enabled: boolean;
  state: IdpState;
  /** What the last check ran into (stale, unavailable). */
  reason?: string;
  /** Since when it has been stale or unavailable (ms since epoch). */
  since?: number;
  /** Failed checks in a row. */
  failures: number;
  /** When the next check runs (ms since epoch), while stale or unavailable. */
  nextCheckAt?: number;
}

export interface RetryPolicy {
  /** Wait before the first retry; doubles with every failure... */
  initialDelayMs: number;
  /** ...up to this. Each wait is jittered between half of it and all of it. */
  maxDelayMs: number;
}

export interface AvailabilityDeps {
  idps: IdentityProviderStore;
  metadata: SamlMetadataReader;
  oidc: Pick<OidcGateway, 'discover'>;
  logger: Logger;
  clock: Clock;
  random?: () => number;
}

interface Tracked {
  seed: IdentityProviderSeed;
  status: IdpStatus;
  timer?: NodeJS.Timeout;
}

/**
 * Keeps every configured IdP, including one that cannot be reached when
 * rolegate starts. SAML metadata named by URL is read at start-up (the IdP's
 * entityID, endpoints and certificates come from it); OIDC discovery is
 * checked in the background. An IdP whose metadata or discovery fails stays
 * configured, is shown as temporarily unavailable, and is checked again with
 * exponential back-off and jitter (so a fleet does not retry in step) until it
 * answers, when it is seeded and available again, without a restart.
 * Sign-in attempts report what they see too (`observe`), so an OIDC IdP that
 * comes back is usable at once.
 */
export class IdentityProviderAvailability {
  readonly #tracked = new Map<string, Tracked>();
  readonly #random: () => number;
  #stopped = false;

  constructor(
    private readonly deps: AvailabilityDeps,
    private readonly retry: RetryPolicy,
  ) {
    this.#random = deps.random ?? Math.random;
  }

  /**
   * Seeds the configured IdPs (database writes and SAML metadata are awaited:
   * the first start needs them). Returns configuration problems, one line
   * each; an IdP that cannot be reached is not one: it is retried.
   */
  async start(seeds: readonly IdentityProviderSeed[]): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      seeds.map(async (seed) => {
        const tracked: Tracked = {
          seed,
          status: {
            slug: seed.slug,
            displayName: seed.displayName,
            kind: seed.kind,
            enabled: seed.enabled,
            state: 'checking',
            failures: 0,
          },
        };
        try {
          await seedIdentityProvider(this.deps, seed);
        } catch (error) {
          if (error instanceof MetadataUnavailable) {
            this.#tracked.set(seed.slug, tracked);
            this.deps.logger.error({ idp: seed.slug, problem: error.message }, 'identity provider not updated from configuration');
            await this.#failed(tracked, error.message);
          } else {
            problems.push((error as Error).message);
          }
          return;
        }
        this.#tracked.set(seed.slug, tracked);
        if (seed.kind === 'oidc' && seed.enabled) void this.#check(tracked);
        else this.#available(tracked);
      }),
    );
    for (const problem of problems) this.deps.logger.error({ problem }, 'identity provider not updated from configuration');
    return problems;
  }

  /** Every configured IdP's status, by display name. */
  statuses(): IdpStatus[] {
    return [...this.#tracked.values()].map((t) => ({ ...t.status })).sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  statusOf(slug: string): IdpStatus | undefined {
    const status = this.#tracked.get(slug)?.status;
    return status ? { ...status } : undefined;
  }

  /** What a sign-in saw of an OIDC IdP's discovery: a success ends an outage at once, a failure starts one. */
  observe(slug: string, outcome: { ok: true } | { ok: false; reason: string }): void {
    const tracked = this.#tracked.get(slug);
    if (!tracked || this.#stopped) return;
    if (outcome.ok) this.#available(tracked);
    else if (tracked.status.state === 'available') void this.#failed(tracked, outcome.reason);
  }

  /** Cancels every pending check (shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const tracked of this.#tracked.values()) clearTimeout(tracked.timer);
  }

  async #check(tracked: Tracked): Promise<void> {
    if (this.#stopped) return;
    const { seed } = tracked;
    try {
      if (seed.kind === 'saml') {
        await seedIdentityProvider(this.deps, seed);
      } else {
        const idp = await this.deps.idps.findBySlug(seed.slug);
        if (!idp || idp.kind !== 'oidc') throw new Error(`identity provider ${seed.slug} is not in the database`);
        await this.deps.oidc.discover(idp);
      }
    } catch (error) {
      await this.#failed(tracked, (error as Error).message);
      return;
    }
    this.#available(tracked);
  }

  #available(tracked: Tracked): void {
    clearTimeout(tracked.timer);
    const { status } = tracked;
    if (status.state === 'stale' || status.state === 'unavailable') {
      this.deps.logger.info(
        { idp: status.slug, downForMs: status.since === undefined ? undefined : this.deps.clock.now() - status.since },
        'identity provider is available again',
      );
    }
    const { slug, displayName, kind, enabled } = status;
    tracked.status = { slug, displayName, kind, enabled, state: 'available', failures: 0 };
  }

  async #failed(tracked: Tracked, reason: string): Promise<void> {
    if (this.#stopped) return;
    // SAML metadata that cannot be refreshed still leaves the settings stored by an earlier start.
    const stored = tracked.seed.kind === 'saml' ? await this.deps.idps.findBySlug(tracked.seed.slug).catch(() => null) : null;
    const failures = tracked.status.failures + 1;
    const delayMs = this.#delay(failures);
    const now = this.deps.clock.now();
    const wasDown = tracked.status.state === 'stale' || tracked.status.state === 'unavailable';
    tracked.status = {
      ...tracked.status,
      state: stored ? 'stale' : 'unavailable',
      reason: reason.slice(0, 300),
      since: tracked.status.since ?? now,
      failures,
      nextCheckAt: now + delayMs,
    };
    if (!wasDown || isPowerOfTwo(failures)) {
      this.deps.logger.warn(
        { idp: tracked.seed.slug, state: tracked.status.state, failures, nextCheckInMs: delayMs, reason: tracked.status.reason },
        'identity provider cannot be reached; checking again later',
      );
    }
    clearTimeout(tracked.timer);
    tracked.timer = setTimeout(() => void this.#check(tracked), delayMs);
    tracked.timer.unref();
  }

  #delay(failures: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }
}

/** One entry of the sign-in chooser. */
export interface SignInChoice {
  slug: string;
  kind: IdentityProviderSeed['kind'];
  displayName: string;
  /** Configured, but nobody can sign in there right now. */
  unavailable: boolean;
}

/**
 * The chooser's entries: the enabled IdPs in the database, marked when they
 * cannot be reached, and the configured ones that never made it there
 * (metadata never read), by display name.
 */
export function signInChoices(
  providers: readonly Pick<IdpStatus, 'slug' | 'kind' | 'displayName' | 'enabled'>[],
  statuses: readonly IdpStatus[],
): SignInChoice[] {
  const bySlug = new Map(statuses.map((s) => [s.slug, s]));
  const choices: SignInChoice[] = providers
    .filter((p) => p.enabled)
    .map((p) => ({ slug: p.slug, kind: p.kind, displayName: p.displayName, unavailable: bySlug.get(p.slug)?.state === 'unavailable' }));
  for (const status of statuses) {
    if (status.enabled && status.state === 'unavailable' && !choices.some((c) => c.slug === status.slug)) {
      choices.push({ slug: status.slug, kind: status.kind, displayName: status.displayName, unavailable: true });
    }
  }
  return choices.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.slug.localeCompare(b.slug));
}

/** Logs the 1st, 2nd, 4th, 8th… failure of an outage, not every one. */
function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}
