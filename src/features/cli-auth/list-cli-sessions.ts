import type { CliSessionSummary } from '../../contracts/cli-auth.js';
import type { CliAuthDeps } from './cli-auth-deps.js';

/** GET /api/v1/cli-sessions: the caller's active CLI grants, newest first. */
export async function listCliSessions(deps: CliAuthDeps, principalId: string, currentGrantId?: string): Promise<CliSessionSummary[]> {
  const now = new Date(deps.clock.now());
  const grants = await deps.grants.listActiveGrants(principalId, now);
  const names = new Map<string, string>();
  for (const grant of grants) {
    if (!names.has(grant.clientId)) {
      const found = await deps.grants.findClient(grant.clientId);
      names.set(grant.clientId, found?.name ?? grant.clientId);
    }
  }
  return grants.map((grant) => ({
    id: grant.id,
    clientId: grant.clientId,
    clientName: names.get(grant.clientId) ?? grant.clientId,
    deviceName: grant.deviceName,
    flow: grant.flow,
    createdAt: grant.createdAt.toISOString(),
    lastUsedAt: grant.lastUsedAt.toISOString(),
    expiresAt: grant.expiresAt.toISOString(),
    current: grant.id === currentGrantId,
  }));
}
