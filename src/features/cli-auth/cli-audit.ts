import type { AuditEvent } from '../../ports/audit-log.js';
import type { Principal } from '../../domain/principal.js';
import type { RequestContext } from '../login/login-deps.js';

/** The audit event of a CLI authorisation step, stamped with who asked and from where. */
export function cliAuditEvent(
  ctx: RequestContext | undefined,
  event: Omit<AuditEvent, 'requestId' | 'sourceIp' | 'userAgent' | 'subject' | 'idp'> & { principal?: Principal; principalId?: string },
): AuditEvent {
  const { principal, principalId, ...rest } = event;
  const subject = principal?.id ?? principalId;
  return {
    ...rest,
    ...(subject ? { subject } : {}),
    ...(principal ? { idp: principal.idp } : {}),
    ...(ctx ? { requestId: ctx.requestId } : {}),
    ...(ctx?.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
    ...(ctx?.userAgent ? { userAgent: ctx.userAgent } : {}),
  };
}
