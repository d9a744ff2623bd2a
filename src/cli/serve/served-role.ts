import type { CliContext } from '../cli-context.js';
import { refreshMarginFor, type CachedCredentials } from '../credential-cache.js';
import type { Output } from '../output.js';
import type { RefreshSettings } from '../refresh-settings.js';
import { getRoleCredentials, type RoleRequest } from '../role-credentials.js';

/** Retry a failed background refresh after this long. */
const RETRY_MS = 30_000;

/** One role's credentials in memory, refreshed in the background before the margin. */
export class ServedRole {
  private entry: CachedCredentials | undefined;
  private pending: Promise<CachedCredentials> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: CliContext,
    readonly request: RoleRequest,
    private readonly settings: RefreshSettings,
    private readonly out: Output,
  ) {}

  /** The credentials to hand out: from memory while valid beyond a minute, else fetched now (once for concurrent callers). */
  current(): Promise<CachedCredentials> {
    if (this.entry && Date.parse(this.entry.credentials.Expiration) - this.ctx.now() > 60_000) return Promise.resolve(this.entry);
    return this.refresh();
  }

  /** When the credentials in memory were fetched (for IMDS's LastUpdated). */
  get obtainedAt(): number | undefined {
    return this.entry?.obtainedAt;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private refresh(): Promise<CachedCredentials> {
    this.pending ??= getRoleCredentials(this.ctx, this.request, { ...this.settings, warn: (text) => this.out.stderr(text) })
      .then(({ entry }) => {
        this.entry = entry;
        this.schedule(Date.parse(entry.credentials.Expiration) - this.ctx.now() - refreshMarginFor(entry, this.settings.refreshMarginMs));
        return entry;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private schedule(inMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.refresh().catch((error: unknown) => {
          this.out.stderr(`rolegate: warning: background refresh of ${this.request.role} failed: ${(error as Error).message}\n`);
          this.schedule(RETRY_MS);
        });
      },
      Math.max(10_000, inMs),
    );
    this.timer.unref();
  }
}
