import { writeSync } from 'node:fs';
import { cliPaths, configDirFrom } from '../config-dir.js';
import { readRoles } from '../roles/roles-cache.js';

/**
 * `rolegate __complete roles|accounts|role-names` (for the completion
 * scripts, not for people): one candidate a line from the local role list,
 * without the network, commander or zod. Prints nothing (exit 0) when there
 * is no list or anything is wrong: a Tab must never print an error.
 */
export function runComplete(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): number {
  try {
    const home = env.HOME ?? env.USERPROFILE;
    if (!home) return 0;
    const list = readRoles(cliPaths(configDirFrom(env, home)).roles);
    if (!list) return 0;
    const kind = args[args.indexOf('__complete') + 1];
    const values =
      kind === 'roles'
        ? list.roles.map((r) => `${r.alias}/${r.role}`)
        : kind === 'accounts'
          ? list.roles.flatMap((r) => [r.alias, r.accountId])
          : kind === 'role-names'
            ? list.roles.map((r) => r.role)
            : [];
    const unique = [...new Set(values)].filter((v) => /^[\w+=,.@/-]+$/.test(v)).sort();
    if (unique.length > 0) writeSync(1, `${unique.join('\n')}\n`);
  } catch {
    // nothing to complete
  }
  return 0;
}
