import { readFileSync } from 'node:fs';
import { isMap, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { isLoopbackUrl, isMultiTenantIssuer, type IdentityProviderSeed } from '../domain/identity-provider.js';
import { isPlainHttp, plainHttpRefusal } from '../domain/plain-http.js';
import { Secret } from '../domain/secret.js';
import { sessionTagConfigProblems } from '../domain/session-tags.js';
import { readCaBundle } from './ca-bundles.js';
import { guardedUrls } from './plain-http-urls.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { listSettings, type Setting } from './settings.js';

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Builds the one configuration object from the environment and the optional
 * YAML file named by ROLEGATE_CONFIG. Never throws: every problem is reported at
 * once, one line each, naming the key, where its value came from, what was
 * wrong and what is expected.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): LoadResult {
  const problems: string[] = [];
  const settings = listSettings(configSchema);
  const file = env.ROLEGATE_CONFIG ? readYamlFile(env.ROLEGATE_CONFIG, problems) : undefined;
  if (problems.length > 0) return { ok: false, problems };

  const raw: Record<string, unknown> = structuredClone((file?.document.toJS() as Record<string, unknown> | null) ?? {});
  const fromEnv = new Map<string, string>();
  for (const setting of settings) {
    const name = setting.env.find((n) => (env[n] ?? '').trim() !== '');
    if (name === undefined) continue;
    setAt(raw, setting.path, env[name]);
    fromEnv.set(setting.key, name);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const describe = (path: PropertyKey[]) => sourceOf(path.map(String), fromEnv, file);
    for (const issue of parsed.error.issues) problems.push(...formatIssue(issue, raw, settings, describe));
    return { ok: false, problems };
  }
  const source = (key: string) => sourceOf(key.split('.'), fromEnv, file);
  problems.push(...crossCheck(parsed.data, source));
  if (problems.length > 0) return { ok: false, problems };
  const caBundles = readCaBundles(parsed.data, source, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: resolveConfig(parsed.data, caBundles) };
}

/** The PEM text of the CA bundles the configuration names, read once at start-up. */
interface CaBundles {
  redis?: string;
  database?: string;
}

function readCaBundles(config: ParsedConfig, source: (key: string) => string, problems: string[]): CaBundles {
  const bundles: CaBundles = {};
  const files = [
    ['redis', 'redis.tls.caFile', config.redis.tls.caFile],
    ['database', 'database.tls.caFile', config.database.tls.caFile],
  ] as const;
  for (const [name, key, path] of files) {
    if (path === undefined) continue;
    const bundle = readCaBundle(path);
    if ('problem' in bundle) problems.push(`${key} (${source(key)}): ${bundle.problem}`);
    else bundles[name] = bundle.pem;
  }
  return bundles;
}

/** Fills in defaults that depend on other keys and wraps secrets. */
export function resolveConfig(parsed: ParsedConfig, caBundles: CaBundles = {}) {
  const production = parsed.mode === 'production';
  const host = parsed.server.host ?? (production ? '0.0.0.0' : '127.0.0.1');
  const publicUrl = new URL(parsed.server.publicUrl ?? `http://localhost:${String(parsed.server.port)}`);
  return {
    ...parsed,
    production,
    server: { ...parsed.server, host, publicUrl },
    database: {
      ...parsed.database,
      url: parsed.database.url === undefined ? undefined : new Secret(parsed.database.url),
      autoMigrate: parsed.database.autoMigrate ?? !production,
      tls: { ...parsed.database.tls, ca: caBundles.database },
    },
    redis: {
      ...parsed.redis,
      url: parsed.redis.url === undefined ? undefined : new Secret(parsed.redis.url),
      tls: { ...parsed.redis.tls, ca: caBundles.redis },
    },
    saml: { ...parsed.saml, spPrivateKey: parsed.saml.spPrivateKey === undefined ? undefined : new Secret(parsed.saml.spPrivateKey) },
    // Seeds go to the database without their secrets; the secrets stay here, by slug.
    identityProviders: parsed.identityProviders.map(withoutSecret),
    oidcClientSecrets: new Map(
      parsed.identityProviders.flatMap((idp) =>
        idp.kind === 'oidc' && idp.clientSecret !== undefined ? [[idp.slug, new Secret(idp.clientSecret)] as const] : [],
      ),
    ),
    sts: { ...parsed.sts, secretAccessKey: parsed.sts.secretAccessKey === undefined ? undefined : new Secret(parsed.sts.secretAccessKey) },
    encryption: {
      keys: parsed.encryption.keys === undefined ? undefined : new Secret(parsed.encryption.keys.map((key) => Buffer.from(key, 'base64'))),
    },
    notifications: {
      ...parsed.notifications,
      webhooks: parsed.notifications.webhooks.map((w) => ({
        name: w.name,
        format: w.format,
        events: w.events,
        url: new Secret(w.url),
        ...(w.secret === undefined ? {} : { secret: new Secret(w.secret) }),
      })),
    },
    issuer: {
      ...parsed.issuer,
      entityId: parsed.issuer.entityId ?? `${withoutTrailingSlash(publicUrl.href)}/saml/metadata`,
      signingKey: parsed.issuer.signingKey === undefined ? undefined : new Secret(parsed.issuer.signingKey),
      webIdentityIssuer: withoutTrailingSlash(parsed.issuer.webIdentityIssuer ?? publicUrl.href),
    },
  };
}

export type Config = ReturnType<typeof resolveConfig>;

/** The revocation worker's limits must fit together (docs/admin.md#revocation-that-reaches-aws). */
function revocationProblems(config: ParsedConfig, source: (key: string) => string): string[] {
  const problems: string[] = [];
  const { backoffBaseMs, backoffMaxMs, leaseMs, iamAttempts, iamTimeoutMs } = config.revocations;
  if (backoffMaxMs < backoffBaseMs) {
    problems.push(
      `revocations.backoffMaxMs (${source('revocations.backoffMaxMs')}): must be at least revocations.backoffBaseMs (${String(backoffBaseMs)} ms)`,
    );
  }
  const longestJobMs = config.sts.retryBudgetMs + 2 * iamAttempts * iamTimeoutMs;
  if (leaseMs <= longestJobMs) {
    problems.push(
      `revocations.leaseMs (${source('revocations.leaseMs')}): must be longer than one job can take, sts.retryBudgetMs + 2 × revocations.iamAttempts × revocations.iamTimeoutMs = ${String(longestJobMs)} ms, or a slow job loses its lease to another instance`,
    );
  }
  return problems;
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** Rules that involve more than one key, or that production mode adds. */
function crossCheck(config: ParsedConfig, source: (key: string) => string): string[] {
  const problems: string[] = [];
  if ((config.sts.accessKeyId === undefined) !== (config.sts.secretAccessKey === undefined)) {
    problems.push(
      `sts.secretAccessKey (${source('sts.secretAccessKey')}): sts.accessKeyId and sts.secretAccessKey are given together or not at all`,
    );
  }
  if (config.credentials.lockTtlMs <= config.sts.retryBudgetMs) {
    problems.push(
      `credentials.lockTtlMs (${source('credentials.lockTtlMs')}): must be longer than sts.retryBudgetMs (${String(config.sts.retryBudgetMs)} ms), or a slow exchange loses its lock`,
    );
  }
  if (config.identityProviderChecks.retryMaxMs < config.identityProviderChecks.retryInitialMs) {
    problems.push(
      `identityProviderChecks.retryMaxMs (${source('identityProviderChecks.retryMaxMs')}): must be at least identityProviderChecks.retryInitialMs (${String(config.identityProviderChecks.retryInitialMs)} ms)`,
    );
  }
  problems.push(...revocationProblems(config, source));
  const { queryTimeoutMs, statementTimeoutMs } = config.database;
  if (statementTimeoutMs > 0 && statementTimeoutMs >= queryTimeoutMs) {
    problems.push(
      `database.statementTimeoutMs (${source('database.statementTimeoutMs')}): must be shorter than database.queryTimeoutMs (${String(queryTimeoutMs)} ms), so PostgreSQL cancels a slow statement before rolegate stops waiting for its answer`,
    );
  }
  problems.push(...tlsProblems(config, source));
  problems.push(...notificationProblems(config, source('notifications.webhooks')));
  if (config.mode === 'production') {
    const required = 'is required in production mode (embedded defaults are for demos only)';
    if (config.database.url === undefined) problems.push(`database.url (${source('database.url')}): ${required}`);
    if (config.redis.url === undefined) problems.push(`redis.url (${source('redis.url')}): ${required}`);
    if (config.server.publicUrl !== undefined && !config.server.publicUrl.startsWith('https://')) {
      problems.push(`server.publicUrl (${source('server.publicUrl')}): expected an https:// URL in production mode`);
    }
    if (config.server.publicUrl === undefined) problems.push(`server.publicUrl (${source('server.publicUrl')}): ${required}`);
    if (config.encryption.keys === undefined) {
      problems.push(
        `encryption.keys (${source('encryption.keys')}): is required in production mode (cached credentials and signing keys are encrypted with it)`,
      );
    }
    if (config.issuer.webIdentityIssuer !== undefined && !config.issuer.webIdentityIssuer.startsWith('https://')) {
      problems.push(
        `issuer.webIdentityIssuer (${source('issuer.webIdentityIssuer')}): expected an https:// URL in production mode (AWS fetches its keys)`,
      );
    }
    // STS, the federation endpoint and the IdPs' metadata, sign-in and sign-out URLs: never over
    // plain http outside a demo, except a loopback sidecar the operator opted in to (logged at warn).
    const policy = { production: true, allowInsecureLoopback: config.allowInsecureLoopback };
    for (const { key, url, carries } of guardedUrls(config)) {
      if (key.endsWith('.settings.issuer')) continue; // OIDC issuers: checkIdentityProviders (they also need their own flag)
      const refusal = plainHttpRefusal(url, carries, policy);
      if (refusal) problems.push(`${key} (${source(key)}): ${refusal}`);
    }
    if (config.console.consoleUrl !== undefined) {
      problems.push(
        `console.consoleUrl (${source('console.consoleUrl')}): a stand-in console is for demos and tests; not allowed in production mode`,
      );
    }
  }
  problems.push(...checkIdentityProviders(config, source('identityProviders')));
  if ((config.saml.spPrivateKey === undefined) !== (config.saml.spCertificate === undefined)) {
    problems.push(
      `saml.spCertificate (${source('saml.spCertificate')}): saml.spPrivateKey and saml.spCertificate are given together or not at all`,
    );
  }
  if (config.issuer.signingKey !== undefined && config.issuer.signingKeyFile !== undefined) {
    problems.push(`issuer.signingKey (${source('issuer.signingKey')}): set either issuer.signingKey or issuer.signingKeyFile, not both`);
  }
  if (config.issuer.publishedKeyFiles.length > 0 && config.issuer.signingKey === undefined && config.issuer.signingKeyFile === undefined) {
    problems.push(
      `issuer.publishedKeyFiles (${source('issuer.publishedKeyFiles')}): only used with a file or environment signing key; generated keys rotate in the database`,
    );
  }
  const tags = config.sessionTags;
  const tagParts = [
    ['sessionTags.attributes', { ...tags, groupPatterns: [], transitiveKeys: [] }],
    ['sessionTags.groupKeyPrefix', { ...tags, attributes: {}, transitiveKeys: [] }],
    ['sessionTags.transitiveKeys', { ...tags, attributes: {}, groupPatterns: [] }],
  ] as const;
  for (const [key, part] of tagParts)
    for (const problem of sessionTagConfigProblems(part)) problems.push(`${key} (${source(key)}): ${problem}`);
  return problems;
}

/** Webhook names are what rows, logs and metrics use: each names one webhook. */
function notificationProblems(config: ParsedConfig, from: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.notifications.webhooks.forEach((webhook, index) => {
    if (seen.has(webhook.name)) problems.push(`notifications.webhooks.${String(index)} (${from}): name ${webhook.name} is used twice`);
    seen.add(webhook.name);
  });
  const { backoffBaseMs, backoffMaxMs } = config.notifications;
  if (backoffMaxMs < backoffBaseMs)
    problems.push(`notifications.backoffMaxMs: must be at least notifications.backoffBaseMs (${String(backoffBaseMs)} ms)`);
  return problems;
}

/** TLS settings that only make sense with a TLS connection, and PostgreSQL URLs that would override the CA file. */
function tlsProblems(config: ParsedConfig, source: (key: string) => string): string[] {
  const problems: string[] = [];
  const redisUrl = config.redis.url;
  for (const key of ['caFile', 'servername'] as const) {
    if (config.redis.tls[key] === undefined) continue;
    if (redisUrl === undefined || !redisUrl.startsWith('rediss://'))
      problems.push(`redis.tls.${key} (${source(`redis.tls.${key}`)}): needs a rediss:// (TLS) redis.url (REDIS_URL)`);
  }
  const databaseUrl = config.database.url;
  if (config.database.tls.caFile !== undefined) {
    const key = 'database.tls.caFile';
    if (databaseUrl === undefined) problems.push(`${key} (${source(key)}): needs database.url (DATABASE_URL)`);
    else {
      const params = new URL(databaseUrl).searchParams;
      const sslmode = params.get('sslmode');
      if (sslmode !== null && sslmode !== 'verify-full')
        problems.push(
          `${key} (${source(key)}): database.url (DATABASE_URL) asks for sslmode=${sslmode}; with a CA file rolegate always verifies the certificate and host name: use sslmode=verify-full or leave sslmode out`,
        );
      if (params.has('sslrootcert') || params.has('sslcert') || params.has('sslkey'))
        problems.push(
          `${key} (${source(key)}): database.url (DATABASE_URL) also names TLS files (sslrootcert, sslcert or sslkey); give the CA bundle in one place only`,
        );
    }
  }
  return problems;
}

/** Rules on IdP seeds that a per-field schema cannot express: unique slugs, plain-http issuers, multi-tenant issuers (docs/authentication.md). */
function checkIdentityProviders(config: ParsedConfig, from: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.identityProviders.forEach((idp, index) => {
    const key = `identityProviders.${String(index)} (${from})`;
    if (seen.has(idp.slug)) problems.push(`${key}: slug ${idp.slug} is used twice`);
    seen.add(idp.slug);
    if (idp.kind !== 'oidc') return;
    const { issuer, allowInsecureLoopbackIssuer, allowedTenants, tokenEndpointAuthMethod } = idp.settings;
    if (isPlainHttp(issuer)) {
      if (!allowInsecureLoopbackIssuer)
        problems.push(
          `${key}: issuer ${issuer} is plain http; use https (or, for a loopback test issuer, set settings.allowInsecureLoopbackIssuer)`,
        );
      else if (!isLoopbackUrl(issuer))
        problems.push(`${key}: settings.allowInsecureLoopbackIssuer is only allowed for loopback issuers, not ${issuer}`);
    }
    if (allowInsecureLoopbackIssuer && config.mode === 'production' && !config.allowInsecureLoopback)
      problems.push(
        `${key}: settings.allowInsecureLoopbackIssuer is refused in production mode, unless allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK) is also set`,
      );
    if (isMultiTenantIssuer(issuer) && allowedTenants.length === 0) {
      problems.push(`${key}: ${issuer} is a multi-tenant issuer (any tenant's users would pass); set settings.allowedTenants`);
    }
    if (tokenEndpointAuthMethod !== 'none' && idp.clientSecret === undefined) {
      problems.push(
        `${key}: clientSecret is required with tokenEndpointAuthMethod ${tokenEndpointAuthMethod} (or use none for a public client)`,
      );
    }
  });
  return problems;
}

function withoutSecret(seed: IdentityProviderSeed): IdentityProviderSeed {
  if (seed.kind !== 'oidc') return seed;
  const { clientSecret: _secret, ...rest } = seed;
  return rest;
}

interface YamlFile {
  path: string;
  document: Document;
  lineOf(path: string[]): number | undefined;
}

function readYamlFile(path: string, problems: string[]): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    problems.push(`ROLEGATE_CONFIG: cannot read ${path}: ${reason}`);
    return undefined;
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const error of document.errors) {
    const line = error.linePos?.[0];
    problems.push(`${path}${line ? `:${String(line.line)}:${String(line.col)}` : ''}: invalid YAML: ${error.message.split('\n')[0] ?? ''}`);
  }
  if (document.errors.length === 0 && document.contents !== null && !isMap(document.contents)) {
    problems.push(`${path}: expected a mapping of configuration keys at the top level`);
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (keyPath: string[]) => {
    const node = document.getIn(keyPath, true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    let line = 0;
    while (line + 1 < lineStarts.length && (lineStarts[line + 1] ?? Infinity) <= offset) line++;
    return line + 1;
  };
  return { path, document, lineOf };
}

function sourceOf(path: string[], fromEnv: Map<string, string>, file: YamlFile | undefined): string {
  const envName = path.map((_, i) => fromEnv.get(path.slice(0, path.length - i).join('.'))).find((name) => name !== undefined);
  if (envName) return `env ${envName}`;
  const line = file?.lineOf(path);
  if (file && line !== undefined) return `${file.path} line ${String(line)}`;
  return 'not set';
}

function formatIssue(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  settings: Setting[],
  source: (path: PropertyKey[]) => string,
): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((name) => {
      const path = [...issue.path, name];
      const key = path.map(String).join('.');
      const suggestion = closestKey(key, settings);
      return `${key} (${source(path)}): unknown key${suggestion ? `; did you mean ${suggestion}?` : ''}`;
    });
  }
  const path = issue.path.map(String);
  const key = path.join('.') || '(top level)';
  // An issue inside a list or map (`encryption.keys.0`) belongs to the setting that holds it: its source, its secrecy.
  const setting = settings
    .filter((s) => s.path.length <= path.length && s.path.every((part, i) => part === path[i]))
    .sort((a, b) => b.path.length - a.path.length)[0];
  const value = getAt(raw, path);
  const got = setting?.secret ? 'a value that is not shown (secret)' : value === undefined ? 'nothing' : JSON.stringify(value);
  return [`${key} (${source(setting?.path ?? issue.path)}): ${issue.message}, got ${got}`];
}

function closestKey(key: string, settings: Setting[]): string | undefined {
  const parent = key.split('.').slice(0, -1).join('.');
  const siblings = settings.filter((s) => s.path.slice(0, -1).join('.') === parent);
  let best: { key: string; distance: number } | undefined;
  for (const sibling of siblings) {
    const distance = editDistance(key.toLowerCase(), sibling.key.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: sibling.key, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path.at(-1) ?? ''] = value;
}

function getAt(target: unknown, path: string[]): unknown {
  let node = target;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
