import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { profileNameFor } from '../../contracts/profile-name.js';
import type { RolesResponse } from '../../contracts/roles.js';
import { callApi } from '../api-client.js';
import { lineDiff } from '../aws-config-file.js';
import type { CliContext } from '../cli-context.js';
import { updateKubeconfig } from '../eks/kubeconfig-file.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import type { RoleName } from '../roles/role-name.js';
import { saveRoles } from '../roles/roles-cache.js';
import { cliArgv } from '../self-invocation.js';
import { writeConfig } from './configure.js';

export interface KubeconfigOptions {
  /** --kubeconfig FILE; else the first of $KUBECONFIG; else ~/.kube/config. */
  file?: string;
  cluster: string;
  server?: string;
  certificateAuthorityData?: string;
  region?: string;
  useContext: boolean;
  dryRun: boolean;
}

/**
 * `rolegate configure --kubeconfig --cluster NAME account/role`: a kubeconfig
 * user whose exec plugin is `rolegate eks token` for that role and cluster,
 * and a context joining it to the cluster (created with --server when the
 * file has none of that name). The role is checked against the broker first.
 */
export async function runConfigureKubeconfig(ctx: CliContext, role: RoleName, options: KubeconfigOptions, out: Output): Promise<void> {
  const broker = ctx.broker();
  const roles = await callApi<RolesResponse>(ctx, { method: 'GET', path: '/api/v1/roles' });
  saveRoles(ctx.paths.roles, broker.url, roles, ctx.now());
  const account = roles.accounts.find((a) => a.id === role.account || a.alias === role.account);
  if (!account?.roles.some((r) => r.name === role.role)) {
    throw new CliError(
      ExitCode.denied,
      `${role.account}/${role.role} is not one of your roles`,
      '`rolegate roles` lists what you may take',
    );
  }
  if (options.server !== undefined && !/^https:\/\/[^\s/]+/.test(options.server)) {
    throw new CliError(ExitCode.usage, `--server must be the cluster's https:// endpoint, got ${options.server.slice(0, 100)}`);
  }
  const [command = 'rolegate', ...prefix] = cliArgv();
  const brokerArgs = broker.source === '--broker' || broker.source === 'ROLEGATE_URL' ? ['--broker', broker.url] : [];
  const region = options.region ?? account.region;
  const name = `rolegate-${profileNameFor(account.alias, role.role)}-${options.cluster}`;
  const file = kubeconfigFile(ctx.env, options.file);
  const before = read(file);
  let update;
  try {
    update = await updateKubeconfig(before ?? '', {
      cluster: options.cluster,
      ...(options.server !== undefined ? { server: options.server } : {}),
      ...(options.certificateAuthorityData !== undefined ? { certificateAuthorityData: options.certificateAuthorityData } : {}),
      name,
      command,
      args: [
        ...prefix,
        'eks',
        'token',
        '--cluster',
        options.cluster,
        '--account',
        account.id,
        '--role',
        role.role,
        '--region',
        region,
        ...brokerArgs,
      ],
      useContext: options.useContext,
    });
  } catch (error) {
    throw new CliError(
      ExitCode.config,
      `cannot update ${file}: ${(error as Error).message}`,
      'fix the file, or name another with --kubeconfig FILE',
    );
  }
  if (options.dryRun) {
    out.stdout(update.changed ? lineDiff(before ?? '', update.text) : '');
    return;
  }
  const backup = update.changed ? writeConfig(file, before, update.text) : undefined;
  out.stderr(
    `${update.changed ? 'Updated' : 'No change to'} ${file}: context ${name} (cluster ${options.cluster}, ${account.alias}/${role.role}).\n` +
      (backup ? `Backup of the previous file: ${backup}\n` : '') +
      `Try: kubectl --context ${name} get pods\n`,
  );
}

/** kubectl's own rule: the first file of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFile(env: Readonly<Record<string, string | undefined>>, flag?: string): string {
  const home = env.HOME ?? homedir();
  const first = (flag ?? env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.trim() !== '');
  if (first === undefined) return path.join(home, '.kube', 'config');
  return path.resolve(first.startsWith('~/') ? path.join(home, first.slice(2)) : first);
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(ExitCode.config, `cannot read ${file}: ${(error as Error).message}`);
  }
}
