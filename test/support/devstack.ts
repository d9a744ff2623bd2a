import { STSClient } from '@aws-sdk/client-sts';
import { devstackConfigSchema, type DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { startStsEndpoint, type StsEndpoint } from '../../devstack/sts/start-sts-endpoint.js';

/** A clock tests move forward to expire assertions and credentials without waiting. */
export class TestClock {
  private offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Starts the STS endpoint on an ephemeral loopback port with a world given as an object. */
export async function startTestSts(
  world: DevstackConfigInput,
  clock = new TestClock(),
  baseDir = process.cwd(),
): Promise<StsEndpoint & { clock: TestClock }> {
  const endpoint = await startStsEndpoint({ config: devstackConfigSchema.parse(world), baseDir, now: clock.now });
  return { ...endpoint, clock };
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The official SDK client pointed at the endpoint. One attempt (no retries) so
 * refusals surface at once; unsigned calls (AssumeRoleWith*) ignore the dummy keys.
 */
export function stsClient(url: string, credentials?: StaticCredentials, region = 'us-east-1'): STSClient {
  return new STSClient({
    endpoint: url,
    region,
    maxAttempts: 1,
    // A copy: the SDK annotates the credentials object it is given (`$source`).
    credentials: credentials ? { ...credentials } : { accessKeyId: 'AKIAUNUSEDUNUSEDUNUS', secretAccessKey: 'unused-unused-unused' },
  });
}

/** Runs `call` and returns the SDK error it must fail with. */
export async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
