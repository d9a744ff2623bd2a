import { rmSync } from 'node:fs';
import type { RolesResponse } from '../../contracts/roles.js';
import { readPrivateFile, writePrivateFile } from '../secure-files.js';

/** One role as the picker and completion need it. */
export interface CachedRole {
  accountId: string;
  alias: string;
  region: string;
  role: string;
  description: string;
  breakGlass: boolean;
}

/** roles.json: the roles the broker last listed for this sign-in (0600, like every CLI file). */
interface RolesFile {
  version: 1;
  broker: string;
  fetchedAt: number;
  roles: CachedRole[];
}

export function rolesOf(answer: RolesResponse): CachedRole[] {
  return answer.accounts.flatMap((account) =>
    account.roles.map((role) => ({
      accountId: account.id,
      alias: account.alias,
      region: account.region,
      role: role.name,
      description: role.description,
      breakGlass: role.breakGlass,
    })),
  );
}

/** Keeps the list the broker just gave (by `roles`, `configure` or the picker). */
export function saveRoles(file: string, broker: string, answer: RolesResponse, now: number): CachedRole[] {
  const roles = rolesOf(answer);
  const content: RolesFile = { version: 1, broker, fetchedAt: now, roles };
  writePrivateFile(file, `${JSON.stringify(content)}\n`);
  return roles;
}

/** The cached list for `broker` (any broker when undefined), or undefined when there is none or it is unreadable. */
export function readRoles(file: string, broker?: string): { roles: CachedRole[]; fetchedAt: number } | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<RolesFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.roles) || typeof parsed.fetchedAt !== 'number') return undefined;
    if (broker !== undefined && parsed.broker !== broker) return undefined;
    const roles = parsed.roles.filter(
      (r): r is CachedRole =>
        typeof r.alias === 'string' && typeof r.role === 'string' && typeof r.accountId === 'string' && typeof r.region === 'string',
    );
    return { roles, fetchedAt: parsed.fetchedAt };
  } catch {
    return undefined;
  }
}

export function deleteRoles(file: string): void {
  rmSync(file, { force: true });
}
