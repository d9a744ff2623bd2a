import { TlsIssuerCertificateReader } from '../adapters/issuer/tls-thumbprint.js';
import { awsSdkIamReader } from '../adapters/aws-iam/aws-sdk-iam-reader.js';
import { iamEndpointForPartition } from '../adapters/aws-iam/aws-sdk-role-policy-writer.js';
import type { IamReader } from '../ports/iam-reader.js';
import { PrismaAccessAdminStore } from '../adapters/db/prisma-access-admin-store.js';
import { PgAuditQuery } from '../adapters/db/pg-audit-query.js';
import { PrismaAccessStore } from '../adapters/db/prisma-access-store.js';
import { buildAccessReviews } from './access-reviews.js';
import type { Config } from '../config/load-config.js';
import type { AdminDeps } from '../features/admin/admin-deps.js';
import { applyAccessFileAtStartup } from '../features/admin/apply-access-file.js';
import { startAuditRetention } from '../features/admin/audit-retention.js';
import { ModelCheck } from '../features/admin/model-check.js';
import { parseAccessFileOffThread } from '../features/admin/parse-off-thread.js';
import { revocationDeps } from '../features/admin/revocation-sources.js';
import { buildRevocations } from './revocations.js';
import type { CliAuthDeps } from '../features/cli-auth/cli-auth-deps.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import type { SessionStore } from '../features/sessions/session-store.js';
import type { AdminAppDeps } from '../http/routes/admin-routes.js';
import type { NotificationSink } from '../ports/notification-outbox.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/**
 * Applies ROLEGATE_ACCESS_FILE when configured, before the access model is
 * first loaded (so nothing needs telling); its problems stop the start.
 */
export async function applyConfiguredAccessFile(platform: Platform, steps: StartupSteps): Promise<void> {
  const { config, logger } = platform;
  const path = config.admin.accessFile;
  if (path === undefined) return;
  const deps: AdminDeps = {
    store: accessAdminStore(platform),
    accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
    logger,
    transport: transport(config),
  };
  const problems = await steps.step(
    (error) => `admin.accessFile (ROLEGATE_ACCESS_FILE): cannot apply ${path}: ${error.message}`,
    () => applyAccessFileAtStartup(deps, path),
  );
  await steps.failIf(problems);
}

/** Administration: access as code, audit queries and retention, revocation. */
export function buildAdmin(
  platform: Platform,
  steps: StartupSteps,
  parts: { sessions: SessionStore; cliAuth: CliAuthDeps; credentials: CredentialsDeps; notifications?: NotificationSink },
): AdminAppDeps {
  const { config, logger, clock, audit } = platform;
  const auditQuery = new PgAuditQuery(platform.database);
  const { accessModel } = parts.credentials;
  const retention =
    config.admin.auditRetentionDays === undefined
      ? undefined
      : startAuditRetention({ query: auditQuery, clock, logger }, config.admin.auditRetentionDays);
  if (retention) steps.onClose('the audit retention job', () => retention.stop());
  const store = accessAdminStore(platform);
  const iam = {
    access: new PrismaAccessStore(platform.database.prisma),
    issuerMetadata: platform.issuer.issuer,
    webIdentityAudience: config.issuer.webIdentityAudience,
    sendsSessionTags: Object.keys(config.sessionTags.attributes).length > 0 || config.sessionTags.groupPatterns.length > 0,
    issuerCertificate: new TlsIssuerCertificateReader(),
  };
  return {
    access: {
      store,
      accessModel,
      logger,
      parseAccessFile: (text) => parseAccessFileOffThread(text),
      modelCheck: new ModelCheck(),
      transport: transport(config),
      signIns: auditQuery,
    },
    auditQuery,
    revocation: revocationDeps({
      sessions: parts.sessions,
      cliAuth: parts.cliAuth,
      credentialCache: parts.credentials.cache,
      accessModel,
      auditQuery,
      audit,
      clock,
      ...(config.issuer.sessionNameIdp ? { sessionNameIdp: config.issuer.sessionNameIdp } : {}),
      ...(parts.notifications ? { notifications: parts.notifications } : {}),
      revocationJobs: buildRevocations(platform, steps, parts.credentials).jobs,
    }),
    audit,
    reviews: buildAccessReviews(platform, store, steps),
    iam,
    doctor: { template: iam, reader: iamReader(config, parts.credentials) },
    ...((config.admin.accessAsCode ?? config.admin.accessFile !== undefined)
      ? { accessAsCode: config.admin.accessFile === undefined ? {} : { file: config.admin.accessFile } }
      : {}),
  };
}

/** `rolegate doctor`'s reader: the hub's own credentials (as the STS gateway), IAM at sts.iamEndpoint or the partition's. */
function iamReader(config: Config, credentials: CredentialsDeps): IamReader {
  const { accessKeyId, secretAccessKey, iamEndpoint } = config.sts;
  return awsSdkIamReader({
    sts: credentials.exchange.sts,
    stsEndpointFor: (account) => credentials.exchange.endpointFor(account),
    iamEndpointFor: (account) => (iamEndpoint ? { url: iamEndpoint, region: 'us-east-1' } : iamEndpointForPartition(account.partition)),
    ...(accessKeyId && secretAccessKey ? { hubCredentials: { accessKeyId, secretAccessKey: secretAccessKey.reveal() } } : {}),
  });
}

/** On the database's bulk connections: an access file applied whole is bounded by admin.applyTimeoutMs, not a request's limits. */
function accessAdminStore(platform: Platform): PrismaAccessAdminStore {
  return new PrismaAccessAdminStore(platform.database.bulkPrisma(), { transactionTimeoutMs: platform.config.admin.applyTimeoutMs });
}

function transport(config: Config): AdminDeps['transport'] {
  return { production: config.production, allowInsecureLoopback: config.allowInsecureLoopback };
}
