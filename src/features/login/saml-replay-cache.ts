import { createHash } from 'node:crypto';
import { RolegateError } from '../../domain/errors.js';
import type { LoginDeps } from './login-deps.js';

const KINDS = {
  assertion: { prefix: 'saml-assertion', name: 'SAML assertion', replayed: 'was already used', message: 'response' },
  'logout-request': {
    prefix: 'saml-logout-request',
    name: 'SAML LogoutRequest',
    replayed: 'was already processed',
    message: 'LogoutRequest',
  },
} as const;

/**
 * One use per signed SAML message (an assertion, or an IdP's LogoutRequest):
 * SET NX on its issuer and ID until the end of its validity plus the clock
 * skew, the last moment any instance could still accept it.
 * A second use is refused. If the store cannot answer, refuse: without the
 * check a replay would pass.
 */
export async function refuseSamlReplay(
  deps: Pick<LoginDeps, 'kv' | 'clock' | 'samlClockSkewMs'>,
  kind: keyof typeof KINDS,
  message: { issuer: string; id: string; validUntil: number },
): Promise<void> {
  const what = KINDS[kind];
  const key = `${what.prefix}:${createHash('sha256').update(`${message.issuer}\n${message.id}`).digest('hex')}`;
  const ttlMs = Math.max(1000, message.validUntil + deps.samlClockSkewMs - deps.clock.now());
  let first: boolean;
  try {
    first = await deps.kv.setIfAbsent(key, '1', ttlMs);
  } catch (error) {
    throw new RolegateError('dependency_unavailable', {
      detail: `The SAML replay cache (Redis) is unavailable, so the ${what.message} cannot be accepted safely; try again shortly`,
      cause: error,
    });
  }
  if (!first)
    throw new RolegateError('assertion_invalid', { detail: `${what.name} ${message.id.slice(0, 100)} ${what.replayed} (replay)` });
}
