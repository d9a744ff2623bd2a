import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliContext } from '../cli-context.js';
import { refreshMarginFor, type CachedCredentials } from '../credential-cache.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import type { RefreshSettings } from '../refresh-settings.js';
import { getRoleCredentials, type RoleRequest } from '../role-credentials.js';

export interface ServeOptions {
  /** The role to serve at `/`; without it the path names it: `/role/<account>/<role>`. */
  role?: RoleRequest;
  port: number;
  settings: RefreshSettings;
}

/** Retry a failed background refresh after this long. */
const RETRY_MS = 30_000;

/**
 * `rolegate serve --ecs`: the container credentials endpoint
 * (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`,
 * AWS-FACTS.md §4.3/§5.1) on 127.0.0.1, for long-running programs and tools
 * without credential_process. Every request must carry the random token;
 * credentials are refreshed in the background ahead of the margin, so a
 * request never waits on the broker once a role has been served (SDKs give
 * this endpoint 1-2 s). Runs until SIGINT/SIGTERM.
 */
export async function runServe(ctx: CliContext, options: ServeOptions, out: Output): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const roles = new Map<string, ServedRole>();
  const served = (request: RoleRequest) => {
    const key = `${request.account}\n${request.role}\n${String(request.durationSeconds ?? '')}`;
    let role = roles.get(key);
    if (!role) {
      role = new ServedRole(ctx, request, options.settings, out);
      roles.set(key, role);
    }
    return role;
  };
  // Fail now (not signed in, not entitled) rather than on the first SDK call.
  if (options.role) await served(options.role).current();

  const server = createServer((req, res) => {
    void handle(req, res, token, options.role, served, ctx);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          ExitCode.usage,
          `cannot listen on 127.0.0.1:${String(options.port)}: ${error.code ?? error.message}`,
          'pick another --port or 0 for any free one',
        ),
      ),
    );
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const path = options.role ? '/' : '/role/<account>/<role>';
  out.stdout(
    `export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:${String(port)}${path}\n` +
      `export AWS_CONTAINER_AUTHORIZATION_TOKEN=${token}\n`,
  );
  out.stderr(`Serving container credentials on 127.0.0.1:${String(port)} until interrupted (Ctrl-C).\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const role of roles.values()) role.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  fixed: RoleRequest | undefined,
  served: (request: RoleRequest) => ServedRole,
  ctx: CliContext,
): Promise<void> {
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const given = req.headers.authorization;
  if (given === undefined || given === '') return answer(401, { message: 'missing Authorization header' });
  if (!sameSecret(given, token)) return answer(403, { message: 'wrong authorization token' });
  if (req.method !== 'GET') return answer(405, { message: 'only GET' });
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  let request = fixed;
  if (!request) {
    const match = /^\/role\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) return answer(404, { message: 'use /role/<account id or alias>/<role name>' });
    request = { account: decodeURIComponent(match[1] ?? ''), role: decodeURIComponent(match[2] ?? '') };
  } else if (url.pathname !== '/') {
    return answer(404, { message: 'this endpoint serves one role at /' });
  }
  try {
    const entry = await served(request).current();
    const c = entry.credentials;
    answer(200, {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      Token: c.SessionToken,
      Expiration: c.Expiration,
      ...(entry.roleArn ? { RoleArn: entry.roleArn } : {}),
      ...(entry.accountId ? { AccountId: entry.accountId } : {}),
    });
  } catch (error) {
    const known = error instanceof CliError ? error : undefined;
    ctx.debug(`serving ${request.account}/${request.role} failed: ${known?.message ?? String(error)}`);
    const status = known?.exitCode === ExitCode.denied ? 403 : known?.exitCode === ExitCode.loginRequired ? 401 : 502;
    answer(status, { message: known ? `${known.message}${known.hint ? ` (${known.hint})` : ''}` : 'internal error' });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One role's credentials in memory, refreshed in the background before the margin. */
class ServedRole {
  private entry: CachedCredentials | undefined;
  private pending: Promise<CachedCredentials> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: CliContext,
    private readonly request: RoleRequest,
    private readonly settings: RefreshSettings,
    private readonly out: Output,
  ) {}

  /** The credentials to hand out: from memory while valid beyond a minute, else fetched now (once for concurrent callers). */
  current(): Promise<CachedCredentials> {
    if (this.entry && Date.parse(this.entry.credentials.Expiration) - this.ctx.now() > 60_000) return Promise.resolve(this.entry);
    return this.refresh();
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
