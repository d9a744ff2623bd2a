import { createServer, type Server } from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { DevstackConfig } from '../config/devstack-config-schema.js';
import type { StsServices } from './actions/action-context.js';
import { CredentialRegistry } from './credentials/credential-registry.js';
import { FaultInjector } from '../faults/fault-injector.js';
import { faultRoutes } from '../faults/fault-routes.js';
import { IamWorld } from './model/iam-world.js';
import { OidcKeyCache } from './oidc/oidc-key-cache.js';
import { SamlMetadataCache } from './saml/saml-metadata-cache.js';
import { createStsApp, type DevstackLogger } from './sts-app.js';
import { Organization } from '../organizations/organization-model.js';
import { organizationsRoutes } from '../organizations/organizations-routes.js';

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
  /** The Organization the Organizations subset answers for (same URL as STS); undefined without an `organization` section. */
  organization: Organization | undefined;
  /** Injected STS and IAM faults (also at `<url>/_devstack/faults`). */
  faults: FaultInjector;
  close(): Promise<void>;
}

/** Starts the STS/federation endpoint on loopback. */
export async function startStsEndpoint(options: StsEndpointOptions): Promise<StsEndpoint> {
  const now = options.now ?? (() => new Date());
  const services: StsServices = {
    world: IamWorld.fromConfig(options.config, now()),
    registry: new CredentialRegistry(now),
    samlMetadata: new SamlMetadataCache(options.baseDir),
    oidcKeys: new OidcKeyCache(),
    now,
    defaultRegion: options.config.region,
    faults: new FaultInjector(),
  };
  // The Organizations subset shares the address (X-Amz-Target picks it), as one `endpoint` serves both in tests.
  const organization = Organization.fromConfig(options.config);
  const app = express();
  app.disable('x-powered-by');
  app.use(faultRoutes(services.faults));
  app.use(organizationsRoutes(organization, services, options.logger));
  app.use(createStsApp(services, options.logger));
  const server = createServer(app);
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  return {
    url,
    federationUrl: `${url}/federation`,
    services,
    organization,
    faults: services.faults,
    close: () => {
      services.faults.releaseStalled();
      return closeServer(server);
    },
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
