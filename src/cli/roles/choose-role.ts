import type { RolesResponse } from '../../contracts/roles.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { rankRoles } from './rank-roles.js';
import { frecencyScores, recordUse } from './role-history.js';
import { roleFromArguments, type RoleArguments, type RoleName } from './role-name.js';
import { readRoles, saveRoles, type CachedRole } from './roles-cache.js';

/** A cached role list younger than this is used without asking the broker. */
const FRESH_MS = 12 * 3_600_000;

export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

const processTerminal = (): Terminal => ({ input: process.stdin, output: process.stderr });

/**
 * The role the arguments name; when they name none and this is an
 * interactive terminal (stdin and stderr are TTYs: stdout may be captured,
 * as by `eval "$(rolegate env)"`), the one the user picks. Otherwise a
 * usage error saying how to name one.
 */
export async function resolveRole(ctx: CliContext, args: RoleArguments, terminal: Terminal = processTerminal()): Promise<RoleName> {
  const named = roleFromArguments(args);
  if (named) return named;
  if (terminal.input.isTTY !== true || terminal.output.isTTY !== true) {
    throw new CliError(
      ExitCode.usage,
      'no role given (and no terminal to pick one in)',
      'name it as account/role, e.g. `rolegate env sandbox/Developer`, or with --account A --role R',
    );
  }
  return pickRole(ctx, terminal);
}

/** The roles for the picker: the cached list while fresh, else the broker's (kept for next time); the stale list if the broker is unreachable. */
export async function rolesForPicker(ctx: CliContext): Promise<CachedRole[]> {
  const broker = ctx.broker().url;
  const cached = readRoles(ctx.paths.roles, broker);
  if (cached && ctx.now() - cached.fetchedAt < FRESH_MS) return cached.roles;
  try {
    const answer = await callApi<RolesResponse>(ctx, { method: 'GET', path: '/api/v1/roles' });
    return saveRoles(ctx.paths.roles, broker, answer, ctx.now());
  } catch (error) {
    if (!cached || !(error instanceof CliError) || error.exitCode !== ExitCode.unreachable) throw error;
    ctx.debug(`the broker is unreachable; picking from the role list of ${new Date(cached.fetchedAt).toISOString()}`);
    return cached.roles;
  }
}

/**
 * The fuzzy picker (@inquirer/search, imported only here: nothing on the
 * credential-process path loads it), ranked by fuzzy match and frecency.
 */
async function pickRole(ctx: CliContext, terminal: Terminal): Promise<RoleName> {
  const roles = await rolesForPicker(ctx);
  if (roles.length === 0) throw new CliError(ExitCode.denied, 'you are not entitled to any role', 'ask your administrator for access');
  const score = frecencyScores(ctx.paths.history, ctx.broker().url, ctx.now());
  const items = roles.map((r) => ({
    role: r,
    label: `${r.alias}/${r.role}`,
    extra: `${r.accountId} ${r.description}`,
    frecency: score(r.accountId, r.role),
  }));
  const { default: search } = await import('@inquirer/search');
  try {
    const chosen = await search(
      {
        message: 'Role',
        pageSize: 12,
        source: (term) =>
          rankRoles(items, term ?? '')
            .slice(0, 100)
            .map((i) => ({
              value: i.role,
              name: `${i.label}${i.role.breakGlass ? ' (break-glass)' : ''}`,
              description: `${i.role.accountId}  ${i.role.description}`,
            })),
      },
      { input: terminal.input, output: terminal.output, clearPromptOnDone: true },
    );
    return { account: chosen.alias, role: chosen.role };
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new CliError(ExitCode.usage, 'no role chosen', 'name it as account/role, e.g. `rolegate env sandbox/Developer`');
    }
    throw error;
  }
}

/** Counts a use of the role for the picker's frecency (keyed by account id, whichever way the account was typed). */
export function noteRoleUse(ctx: CliContext, accountId: string | undefined, role: string): void {
  if (accountId !== undefined) recordUse(ctx.paths.history, ctx.broker().url, accountId, role, ctx.now());
}
