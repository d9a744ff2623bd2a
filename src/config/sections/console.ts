import { z } from 'zod';
import { integer, url } from '../fields.js';

/** The AWS console federation flow (`POST /api/v1/console-url`, the portal's Console button). */
export const consoleSection = z
  .strictObject({
    federationEndpoint: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_FEDERATION_ENDPOINT'],
        description:
          "One console federation endpoint (getSigninToken and login) for every account, e.g. the devstack's http://127.0.0.1:4566/federation. Default: the sign-in endpoint of each account's partition and region (https://<region>.signin.aws.amazon.com/federation, signin.amazonaws-us-gov.com, signin.amazonaws.cn). Must be https:// in production mode (a loopback sidecar: see allowInsecureLoopback).",
      }),
    consoleUrl: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_CONSOLE_URL'],
        description:
          "A stand-in console (the devstack's http://127.0.0.1:4566/console/) used as the default destination and the only allowed destination host instead of the partition's console. For demos and tests only (refused in production mode).",
      }),
    timeoutMs: integer(500, 30_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_FEDERATION_TIMEOUT_MS'],
        description: 'How long one getSigninToken call may take before the request fails with 503.',
      }),
  })
  .prefault({});
