import { presignUrl, type SigningCredentials } from './sigv4-presign.js';

/** The header aws-iam-authenticator requires to be signed: it binds the token to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
export const TOKEN_PREFIX = 'k8s-aws-v1.';
/**
 * A presigned GetCallerIdentity URL is accepted for 15 minutes after its
 * X-Amz-Date whatever X-Amz-Expires says (STS ignores it; aws-iam-authenticator
 * checks the 15 minutes itself, and refuses X-Amz-Expires above 900). Tokens
 * are announced to kubectl as expiring one minute earlier, as the AWS CLI and
 * aws-iam-authenticator do (github.com/kubernetes-sigs/aws-iam-authenticator,
 * pkg/token: presignedURLExpiration, requestPresignParam).
 */
export const TOKEN_LIFETIME_MS = 14 * 60_000;
const PRESIGN_EXPIRES_S = 60;

/** The STS host for a region's regional endpoint (the partition's DNS suffix). */
export function stsHostFor(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

export interface EksToken {
  token: string;
  /** RFC 3339, when kubectl should ask again. */
  expirationTimestamp: string;
}

/**
 * An EKS bearer token: `k8s-aws-v1.` and the base64url (no padding) of a
 * presigned `GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity…`
 * that signs `x-k8s-aws-id: <cluster>`. It expires 14 minutes after signing,
 * or a minute before the credentials that signed it, whichever is first.
 */
export function eksToken(cluster: string, region: string, credentials: SigningCredentials & { expiration: string }, now: Date): EksToken {
  const url = presignUrl(
    {
      method: 'GET',
      host: stsHostFor(region),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { [CLUSTER_ID_HEADER]: cluster },
      region,
      service: 'sts',
      expiresSeconds: PRESIGN_EXPIRES_S,
      now,
    },
    credentials,
  );
  const until = Math.min(now.getTime() + TOKEN_LIFETIME_MS, Date.parse(credentials.expiration) - 60_000);
  return {
    token: `${TOKEN_PREFIX}${Buffer.from(url).toString('base64url')}`,
    expirationTimestamp: new Date(until).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** The ExecCredential kubectl reads from an exec plugin's stdout (client.authentication.k8s.io/v1beta1). */
export function execCredential(token: EksToken): string {
  return `${JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: {},
    status: { expirationTimestamp: token.expirationTimestamp, token: token.token },
  })}\n`;
}
