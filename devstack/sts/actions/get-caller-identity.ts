import { StsError } from '../protocol/sts-error.js';
import type { XmlTree } from '../protocol/xml.js';
import type { ActionCall } from './action-context.js';

/** GetCallerIdentity: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html */
export function getCallerIdentity({ caller }: ActionCall): XmlTree {
  if (!caller) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (caller.kind === 'user') return { Arn: caller.user.arn, UserId: caller.user.userId, Account: caller.user.account.id };
  const { session } = caller;
  return { Arn: session.assumedRoleArn, UserId: session.assumedRoleId, Account: session.role.account.id };
}
