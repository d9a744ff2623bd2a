import { pathToFileURL } from 'node:url';
import { createLogger, type AppLogger } from './adapters/logging/create-logger.js';
import { loadConfig, type Config } from './config/load-config.js';
import { plainHttpUrls } from './config/plain-http-urls.js';
import { buildDeps, StartupError, type Deps } from './composition/build-deps.js';
import { createApp } from './http/create-app.js';
import { createHttpServer } from './http/create-http-server.js';

// Exit codes (sysexits.h): operators and supervisors can tell a bad
// configuration from an unavailable dependency.
const EXIT_CONFIG = 78;
const EXIT_UNAVAILABLE = 69;
const EXIT_SOFTWARE = 70;

/**
 * Runs rolegate with the given environment until SIGTERM/SIGINT. The demo
 * launcher (devstack/demo, not part of dist) imports dist/main.js and calls
 * it with the devstack's settings added.
 */
export async function runServer(env: Readonly<Record<string, string | undefined>>, onListening?: (url: string) => void): Promise<void> {
  const loaded = loadConfig(env);
  if (!loaded.ok) fail(`the configuration has ${plural(loaded.problems.length, 'problem')}:`, loaded.problems, EXIT_CONFIG);
  const config = loaded.config;
  const logger = createLogger(config.log.level);
  announceInsecureLoopback(config, logger);

  let deps: Deps;
  try {
    deps = await buildDeps(config, logger);
  } catch (error) {
    if (error instanceof StartupError)
      fail(`cannot start, ${plural(error.problems.length, 'dependency problem')}:`, error.problems, EXIT_UNAVAILABLE);
    throw error;
  }

  const app = createApp(deps);
  const server = createHttpServer(app);
  // Longer than common load balancer idle timeouts (60 s), so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  server.on('error', (error: NodeJS.ErrnoException) => {
    const reason = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.message;
    void deps
      .close()
      .finally(() =>
        fail(
          'cannot start:',
          [`server.port (ROLEGATE_PORT): cannot listen on ${config.server.host}:${String(config.server.port)}: ${reason}`],
          EXIT_UNAVAILABLE,
        ),
      );
  });
  server.listen(config.server.port, config.server.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    const url = `http://${config.server.host}:${String(port)}`;
    logger.info({ url, publicUrl: config.server.publicUrl.href, mode: config.mode }, 'rolegate is listening');
    announceEmbeddedDefaults(deps, logger);
    onListening?.(url);
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    deps.beginShutdown();
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    // Keep-alive connections that finish their request are closed right away.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown timeout reached: closing remaining connections');
      server.closeAllConnections();
    }, config.server.shutdownTimeoutMs);
    deadline.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      void deps.close().then(() => {
        logger.info({}, 'rolegate stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function announceEmbeddedDefaults(deps: Deps, logger: AppLogger): void {
  const parts: string[] = [];
  if (deps.embedded.postgres) parts.push(`PostgreSQL is embedded (PGlite, data in ${deps.embedded.postgres.dataDir})`);
  if (deps.embedded.memoryStore) parts.push('sessions and the credential cache live in this process (no Redis)');
  if (parts.length === 0) return;
  logger.warn(
    { embedded: { postgres: Boolean(deps.embedded.postgres), memoryStore: deps.embedded.memoryStore } },
    `EMBEDDED DEFAULTS: ${parts.join('; ')}. This is a single-instance demo setup, not for production: set DATABASE_URL and REDIS_URL.`,
  );
}

/** Every start in production with allowInsecureLoopback says, at warn, which URLs go over plain http. */
function announceInsecureLoopback(config: Config, logger: AppLogger): void {
  if (!config.production || !config.allowInsecureLoopback) return;
  const urls = plainHttpUrls(config).map(({ key, url }) => ({ key, url }));
  logger.warn(
    { event: 'insecure-loopback', allowInsecureLoopback: true, plainHttpUrls: urls },
    `INSECURE LOOPBACK: allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK) lets production mode use plain http to loopback hosts${
      urls.length === 0
        ? ' (none configured now, but an account stsEndpoint may be)'
        : `: ${urls.map((u) => `${u.key}=${u.url}`).join(', ')}`
    }. Anything on this host can read and change that traffic; unset it unless a sidecar needs it.`,
  );
}

function fail(headline: string, problems: string[], code: number): never {
  process.stderr.write(`rolegate: ${headline}\n${problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(code);
}

function plural(count: number, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** Never a stack trace on the console: one line, and exit code 70. */
export function failedToStart(error: unknown): never {
  process.stderr.write(`rolegate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT_SOFTWARE);
}

// Run when started as a program (node dist/main.js), not when imported by the demo launcher.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runServer(process.env).catch(failedToStart);
