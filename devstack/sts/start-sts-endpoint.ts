import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevstackConfig } from '../config/devstack-config-schema.js';
import type { StsServices } from './actions/action-context.js';
import { CredentialRegistry } from './credentials/credential-registry.js';
import { IamWorld } from './model/iam-world.js';
import { OidcKeyCache } from './oidc/oidc-key-cache.js';
import { SamlMetadataCache } from './saml/saml-metadata-cache.js';
import { createStsApp, type DevstackLogger } from './sts-app.js';

export interface StsEndpointOptions {
  config: DevstackConfig;
  /** Relative metadata `file:` paths are resolved against this directory. */
  baseDir: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The clock; tests move it to expire credentials without waiting. */
  now?: () => Date;
  logger?: DevstackLogger;
}

export interface StsEndpoint {
  /** Base URL: give it to the SDK as `endpoint` and to the AWS CLI as `--endpoint-url`. */
  url: string;
  /** `<url>/federation` */
  federationUrl: string;
  services: StsServices;
  close(): Promise<void>;
}

/** Starts the STS/federation endpoint on loopback. */
export async function startStsEndpoint(options: StsEndpointOptions): Promise<StsEndpoint> {
  const now = options.now ?? (() => new Date());
  const services: StsServices = {
    world: IamWorld.fromConfig(options.config),
    registry: new CredentialRegistry(now),
    samlMetadata: new SamlMetadataCache(options.baseDir),
    oidcKeys: new OidcKeyCache(),
    now,
    defaultRegion: options.config.region,
  };
  const server = createServer(createStsApp(services, options.logger));
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  return {
    url,
    federationUrl: `${url}/federation`,
    services,
    close: () => closeServer(server),
  };
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
