import { CliError, ExitCode } from '../errors.js';
import { parseRoleName, type RoleName } from '../fast-path.js';

export { parseRoleName, type RoleName };

/** `alias/role` for messages, the prompt and the history. */
export function shortName(name: RoleName): string {
  return `${name.account}/${name.role}`;
}

export interface RoleArguments {
  /** A positional `account/role` (or role ARN). */
  positional?: string | undefined;
  account?: string | undefined;
  /** `--role R` with `--account`, or `--role account/role` alone. */
  role?: string | undefined;
}

const usage = (message: string) =>
  new CliError(ExitCode.usage, message, 'name the role as account/role (e.g. sandbox/Developer), or with --account A --role R');

/**
 * The role the arguments name, or undefined when they name none (then an
 * interactive terminal gets the picker). Conflicting or half-given names
 * are usage errors.
 */
export function roleFromArguments(args: RoleArguments): RoleName | undefined {
  const { positional, account, role } = args;
  if (positional !== undefined) {
    if (account !== undefined || role !== undefined)
      throw usage(`give the role either as ${positional} or with --account/--role, not both`);
    const parsed = parseRoleName(positional);
    if (!parsed) throw usage(`${positional.slice(0, 100)} is not a role name`);
    return parsed;
  }
  if (account === undefined && role === undefined) return undefined;
  if (account === undefined) {
    const parsed = role === undefined ? undefined : parseRoleName(role);
    if (!parsed) throw usage('--role needs --account, unless it is given as account/role');
    return parsed;
  }
  if (role === undefined) throw usage('--account needs --role');
  return { account, role };
}
