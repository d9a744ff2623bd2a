import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVSTACK_FILE,
  DevstackConfigError,
  loadDevstackConfig,
  parseDevstackConfig,
} from '../../../devstack/config/load-devstack-config.js';

const rolegate = { rolegateUrl: 'http://localhost:8080' };

function problems(yaml: string): string[] {
  try {
    parseDevstackConfig(yaml, rolegate, 'world.yaml');
  } catch (error) {
    if (error instanceof DevstackConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('the devstack YAML', () => {
  it('when the bundled devstack/devstack.yaml is loaded, then it validates and its placeholders are filled in', () => {
    const { config } = loadDevstackConfig(DEFAULT_DEVSTACK_FILE, { rolegateUrl: 'http://127.0.0.1:9999/' });
    const sandbox = config.accounts.find((a) => a.id === '111111111111');
    expect(sandbox?.alias).toBe('sandbox');
    expect(sandbox?.samlProviders[0]?.metadata).toEqual({ url: 'http://127.0.0.1:9999/saml/metadata' });
    expect(JSON.stringify(sandbox?.roles.find((r) => r.name === 'WebIdentityDeveloper')?.trustPolicy)).toContain('"127.0.0.1:9999:aud"');
    expect(config.accounts.map((a) => a.alias)).toEqual(['sandbox', 'prod']);
  });

  it('when several values are wrong, then every problem is reported with its path and line', () => {
    const found = problems(`accounts:
  - id: 12345
    roles:
      - name: Dev
        maxSessionDuration: 99999
        trustPolicy: {}
        colour: blue
`);
    expect(found).toEqual([
      'accounts[0].id (world.yaml line 2): expected a 12-digit account id (quote it in YAML)',
      'accounts[0].roles[0].maxSessionDuration (world.yaml line 5): expected an integer from 3600 to 43200',
      'accounts[0].roles[0] (world.yaml line 4): not allowed: unknown key colour',
    ]);
  });

  it('when a metadata URL is not on loopback, then it is refused', () => {
    expect(
      problems(
        `accounts:\n  - id: '111111111111'\n    samlProviders:\n      - name: idp\n        metadata: { url: 'https://idp.example.com/metadata' }\n`,
      ),
    ).toEqual([expect.stringContaining('accounts[0].samlProviders[0].metadata')]);
  });

  it('when a trust policy uses an operator the devstack cannot evaluate, then the role is named', () => {
    const found = problems(`accounts:
  - id: '111111111111'
    roles:
      - name: Dev
        trustPolicy: { Statement: [{ Effect: Allow, Principal: '*', Action: 'sts:AssumeRole', Condition: { StringFuzzy: { a: b } } }] }
`);
    expect(found).toEqual([
      'world.yaml: role arn:aws:iam::111111111111:role/Dev: trust policy: Statement 1: condition operator StringFuzzy is not supported',
    ]);
  });

  it('when a placeholder is unknown, then it is reported', () => {
    expect(problems(`accounts:\n  - id: '111111111111'\n    alias: '{{rolegate.nope}}'\n`)).toEqual([
      'accounts[0].alias: unknown placeholder {{rolegate.nope}}',
    ]);
  });

  it('when the YAML does not parse, then the line is given', () => {
    expect(problems('accounts: [\n')[0]).toMatch(/^world\.yaml line \d+: invalid YAML/);
  });
});
