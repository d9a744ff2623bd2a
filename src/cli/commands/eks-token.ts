import path from 'node:path';
import type { CliContext } from '../cli-context.js';
import { digestOf } from '../credential-cache.js';
import { eksToken, execCredential, type EksToken } from '../eks/eks-token.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import type { RefreshSettings } from '../refresh-settings.js';
import { getRoleCredentials, type RoleRequest } from '../role-credentials.js';
import { readPrivateFile, writePrivateFile } from '../secure-files.js';

export interface EksTokenOptions {
  cluster: string;
  /** The STS region to sign for; default the account's home region. */
  region?: string;
  settings: RefreshSettings;
}

/** A cached token is printed again while it has more than this left (kubectl asks again at expirationTimestamp). */
const REUSE_MARGIN_MS = 60_000;

/**
 * `rolegate eks token --cluster NAME account/role`: the ExecCredential
 * kubectl's exec plugin reads, carrying the EKS bearer token (see
 * eks/eks-token.ts). The token is cached (0600, in the credential cache)
 * until a minute before it expires, so kubectl calls within those 13 minutes
 * cost one small file read; it never prompts (kubectl runs it without a
 * terminal).
 */
export async function runEksToken(ctx: CliContext, request: RoleRequest, options: EksTokenOptions, out: Output): Promise<void> {
  if (!/^[A-Za-z0-9][\w.-]{0,99}$/.test(options.cluster)) {
    throw new CliError(ExitCode.usage, `--cluster must be an EKS cluster name or id, got ${options.cluster.slice(0, 100)}`);
  }
  if (options.region !== undefined && !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(options.region)) {
    throw new CliError(ExitCode.usage, `--region must be an AWS region such as us-east-1, got ${options.region.slice(0, 40)}`);
  }
  const key = [ctx.broker().url, request.account, request.role, request.durationSeconds ?? '', options.cluster, options.region ?? ''].join(
    '\n',
  );
  const file = path.join(ctx.paths.cacheDir, `eks-${digestOf(key)}.json`);
  const cached = readCachedToken(file, key);
  if (cached && Date.parse(cached.expirationTimestamp) - ctx.now() > REUSE_MARGIN_MS) {
    ctx.debug(`EKS token for ${options.cluster} from the local cache`);
    out.stdout(execCredential(cached));
    return;
  }
  const { entry } = await getRoleCredentials(ctx, request, { ...options.settings, warn: (text) => out.stderr(text) });
  const c = entry.credentials;
  const region = options.region ?? entry.region ?? 'us-east-1';
  const token = eksToken(
    options.cluster,
    region,
    { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
    new Date(ctx.now()),
  );
  writePrivateFile(file, `${JSON.stringify({ key, ...token })}\n`);
  ctx.debug(`EKS token for ${options.cluster} signed for ${region}, until ${token.expirationTimestamp}`);
  out.stdout(execCredential(token));
}

function readCachedToken(file: string, key: string): EksToken | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as { key?: unknown; token?: unknown; expirationTimestamp?: unknown };
    if (entry.key !== key || typeof entry.token !== 'string' || typeof entry.expirationTimestamp !== 'string') return undefined;
    return { token: entry.token, expirationTimestamp: entry.expirationTimestamp };
  } catch {
    return undefined;
  }
}
