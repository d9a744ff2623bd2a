import { z } from 'zod';
import { integer, nonEmptyString, trustProxy, url } from '../fields.js';

export const server = z
  .strictObject({
    host: nonEmptyString('a host name or IP address')
      .optional()
      .meta({
        env: ['ROLEGATE_HOST'],
        description: 'Address to listen on. Default: 127.0.0.1 in demo mode, 0.0.0.0 in production.',
      }),
    port: integer(0, 65535)
      .default(8080)
      .meta({ env: ['ROLEGATE_PORT', 'PORT'], description: 'TCP port to listen on (0 picks a free port).' }),
    publicUrl: url(['http', 'https'])
      .optional()
      .meta({
        env: ['ROLEGATE_PUBLIC_URL'],
        description:
          'The URL users reach rolegate at (scheme, host, optional port and path). Used for redirects, SAML metadata and cookies. Default: http://localhost:<port>. Must be https in production.',
      }),
    trustProxy: trustProxy()
      .default(false)
      .meta({
        env: ['ROLEGATE_TRUST_PROXY'],
        description:
          "Express 'trust proxy': which reverse proxies may set X-Forwarded-For/-Proto. Needed behind a TLS-terminating load balancer so cookies get the Secure flag and source IPs are right.",
      }),
    shutdownTimeoutMs: integer(1000, 600_000)
      .default(25_000)
      .meta({
        env: ['ROLEGATE_SHUTDOWN_TIMEOUT_MS'],
        description: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are cut.',
      }),
  })
  .prefault({});
