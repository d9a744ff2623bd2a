import type { AwsAccount } from '../../domain/access-model.js';
import { RolegateError } from '../../domain/errors.js';
import { stsEndpointFor } from '../../domain/partitions.js';
import { plainHttpRefusal, type PlainHttpPolicy } from '../../domain/plain-http.js';
import type { StsEndpoint } from '../../ports/sts-gateway.js';

export interface StsEndpointSettings extends PlainHttpPolicy {
  /** sts.endpoint: one endpoint for every account (checked at start-up). */
  endpoint?: string;
  /** Without any endpoint set: the account's regional STS or the partition's global one. */
  scope: 'regional' | 'global';
}

/**
 * Where to call STS for an account: sts.endpoint, else the account's own
 * stsEndpoint, else the partition's. An account's stsEndpoint comes from the
 * access model, so it is checked here, before anything is minted: one written
 * over plain http before the write-time check existed (or by hand in the
 * database) makes the account unusable (403 role_misconfigured), not a 500.
 */
export function stsEndpointResolver(settings: StsEndpointSettings): (account: AwsAccount) => StsEndpoint {
  return (account) => {
    const url = settings.endpoint ?? account.stsEndpoint ?? stsEndpointFor(account.partition, account.region, settings.scope);
    const refusal = plainHttpRefusal(url, 'signed assertions and the credentials STS returns', settings);
    if (refusal) {
      throw new RolegateError('role_not_entitled', {
        detail: `Account ${account.id} has stsEndpoint ${url}: ${refusal}; ask an administrator to fix the account`,
        extras: { reason: 'role_misconfigured' },
      });
    }
    return { region: account.region, url };
  };
}
