import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Rolegate from '../../src/main.js';
import { DevstackConfigError } from '../config/load-devstack-config.js';
import { startDevstack, type Devstack } from '../start-devstack.js';
import { portSetting } from '../support/port-setting.js';
import { demoEnvironment } from './demo-environment.js';

/**
 * `npm start`: the zero-config demo. Starts the devstack (local STS and
 * federation endpoint, demo OIDC IdP) and rolegate on embedded defaults,
 * wired together, with the demo access model applied. DEMO ONLY: production
 * runs `node dist/main.js` with its own configuration.
 *
 * rolegate runs as built (`npm run build`): the very dist/main.js production
 * starts, imported here, never its sources. The devstack is built apart
 * (`npm run build:devstack`, into dist-devstack/) and is not part of dist.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const builtRolegate = path.join(repoRoot, 'dist/main.js');

async function main(): Promise<void> {
  if (!existsSync(builtRolegate)) {
    process.stderr.write(`rolegate demo: ${builtRolegate} is missing; run \`npm start\` (it builds rolegate first) or \`npm run build\`\n`);
    process.exit(70);
  }
  const { runServer } = (await import(pathToFileURL(builtRolegate).href)) as typeof Rolegate;
  await runDemo(runServer);
}

async function runDemo(runServer: typeof Rolegate.runServer): Promise<void> {
  const env = process.env;
  const port = env.ROLEGATE_PORT ?? env.PORT ?? '8080';
  const publicUrl = (env.ROLEGATE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const devstack = await startDevstack({
    rolegateUrl: publicUrl,
    ...(env.DEVSTACK_CONFIG ? { configFile: env.DEVSTACK_CONFIG } : {}),
    stsPort: portSetting('rolegate demo', 'DEVSTACK_STS_PORT', env.DEVSTACK_STS_PORT, 4566),
    idpPort: portSetting('rolegate demo', 'DEVSTACK_IDP_PORT', env.DEVSTACK_IDP_PORT, 4567),
    logger: {
      info: () => undefined,
      warn: (object, message) => process.stderr.write(`devstack: ${message} ${JSON.stringify(object)}\n`),
    },
  });
  const accessFile = path.join(repoRoot, 'config/demo-access.yaml');
  const demoEnv = demoEnvironment(devstack, { port, publicUrl, accessFile: existsSync(accessFile) ? accessFile : undefined });
  // What the user set wins over the demo's wiring (e.g. DATABASE_URL, REDIS_URL, ROLEGATE_LOG_LEVEL).
  await runServer({ ...demoEnv, ...env }, () => process.stdout.write(banner(devstack, publicUrl)));
  const stopDevstack = () => void devstack.close();
  process.once('SIGTERM', stopDevstack);
  process.once('SIGINT', stopDevstack);
}

function banner(devstack: Devstack, publicUrl: string): string {
  const lines = [
    '',
    '  rolegate demo is running (DEMO ONLY: the local STS and the demo IdP stand in for AWS and your company IdP)',
    '',
    `  Portal              ${publicUrl}/portal`,
    `  CLI                 node dist/cli/main.js login --broker ${publicUrl}`,
    `  Local STS           ${devstack.stsUrl}   (aws --endpoint-url ${devstack.stsUrl} --region us-east-1 ...)`,
    `  Federation          ${devstack.federationUrl}`,
    `  SAML metadata       ${publicUrl}/saml/metadata   (register as the IAM SAML provider)`,
    '',
    '  Sign in as:',
    ...devstack.users.map((user) => `    ${user.id.padEnd(6)} ${user.email.padEnd(20)} groups: ${user.groups.join(', ') || '(none)'}`),
    '',
    '  Stop with Ctrl-C.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  if (error instanceof DevstackConfigError) {
    process.stderr.write(`rolegate demo: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    process.stderr.write(
      `rolegate demo: a demo port is already in use (${error.message}); set DEVSTACK_STS_PORT / DEVSTACK_IDP_PORT / ROLEGATE_PORT to free ports\n`,
    );
    process.exit(69);
  }
  // As rolegate's own failedToStart: one line, no stack trace, exit code 70.
  process.stderr.write(`rolegate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(70);
});
