import { DevstackConfigError } from './config/load-devstack-config.js';
import { startDevstack, type Devstack } from './start-devstack.js';
import { portSetting } from './support/port-setting.js';

// `npm run devstack`: the local STS endpoint and the demo IdP, without rolegate.
// The devstack is a development tool, so it reads its few settings straight from the environment.
const env = process.env;

async function main(): Promise<void> {
  const devstack = await startDevstack({
    rolegateUrl: env.ROLEGATE_PUBLIC_URL ?? 'http://localhost:8080',
    ...(env.DEVSTACK_CONFIG ? { configFile: env.DEVSTACK_CONFIG } : {}),
    stsPort: portSetting('devstack', 'DEVSTACK_STS_PORT', env.DEVSTACK_STS_PORT, 4566),
    idpPort: portSetting('devstack', 'DEVSTACK_IDP_PORT', env.DEVSTACK_IDP_PORT, 4567),
    logger: { info: () => undefined, warn: (object, message) => process.stderr.write(`devstack: ${message} ${JSON.stringify(object)}\n`) },
  });
  process.stdout.write(describe(devstack));
  const stop = () => void devstack.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function describe(devstack: Devstack): string {
  const lines = [
    'rolegate devstack is running (DEMO ONLY: a local stand-in for AWS STS and a corporate IdP; nothing here is AWS)',
    '',
    `  STS endpoint        ${devstack.stsUrl}        (aws --endpoint-url ${devstack.stsUrl} ...)`,
    `  Federation          ${devstack.federationUrl}`,
    ...(devstack.organizations
      ? [
          `  Organizations       ${devstack.organizations.url}        (${devstack.organizations.organizationId}, management account ${devstack.organizations.managementAccountId}, ${String(devstack.organizations.accountCount)} accounts)`,
        ]
      : []),
    `  Stand-in console    ${devstack.consoleUrl}`,
    `  Demo OIDC IdP       ${devstack.idp.issuer}   client ${devstack.idp.clientId} / ${devstack.idp.clientSecret}`,
    `                      redirect URI ${devstack.idp.redirectUri}`,
    '',
    '  Sign in as:',
    ...devstack.users.map((user) => `    ${user.id.padEnd(6)} ${user.email.padEnd(20)} groups: ${user.groups.join(', ') || '(none)'}`),
    '',
    '  SAML providers rolegate must name in the Role attribute:',
    ...Object.values(devstack.samlProviders)
      .flat()
      .map((arn) => `    ${arn}`),
    '  Roles:',
    ...devstack.roles.map((role) => `    ${role.arn}  (max ${String(role.maxSessionDuration / 3600)} h)`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  const message =
    error instanceof DevstackConfigError ? error.message : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`devstack: ${message}\n`);
  process.exit(error instanceof DevstackConfigError ? 78 : 70);
});
