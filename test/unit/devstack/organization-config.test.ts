import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVSTACK_FILE,
  DevstackConfigError,
  loadDevstackConfig,
  parseDevstackConfig,
} from '../../../devstack/config/load-devstack-config.js';
import { Organization } from '../../../devstack/organizations/organization-model.js';

const rolegate = { rolegateUrl: 'http://localhost:8080' };
const WORLD = `accounts:\n  - id: '111111111111'\n    alias: mgmt\n`;

function problems(yaml: string): string[] {
  try {
    parseDevstackConfig(yaml, rolegate, 'world.yaml');
  } catch (error) {
    if (error instanceof DevstackConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('the devstack organization section', () => {
  it('when the bundled devstack.yaml is loaded, then its Organization has the management account, OUs from the paths and stable ids', () => {
    const { config } = loadDevstackConfig(DEFAULT_DEVSTACK_FILE, rolegate);
    const org = Organization.fromConfig(config);
    expect(org?.managementAccountId).toBe('111111111111');
    expect(org?.id).toMatch(/^o-[a-z0-9]{10}$/);
    expect(org?.account('444444444444')?.state).toBe('SUSPENDED');
    const prodParent = org?.parentOf('222222222222');
    expect(prodParent?.type).toBe('ORGANIZATIONAL_UNIT');
    expect(org?.unit(prodParent?.id ?? '')?.name).toBe('Prod');
    expect(Organization.fromConfig(config)?.id).toBe(org?.id);
  });

  it('when accounts are generated, then the management account comes first and the generated ones follow with their own ids', () => {
    const config = parseDevstackConfig(
      `${WORLD}organization:\n  managementAccount: '111111111111'\n  generated: { count: 3, ou: /Gen/, firstId: '500000000010' }\n`,
      rolegate,
    );
    const org = Organization.fromConfig(config);
    expect(org?.accounts.map((a) => `${a.id} ${a.name}`)).toEqual([
      '111111111111 mgmt',
      '500000000010 generated-0001',
      '500000000011 generated-0002',
      '500000000012 generated-0003',
    ]);
    expect(org?.unitsUnder(org.root.id).map((u) => u.name)).toEqual(['Gen']);
  });

  it('when the section has bad values, then each is reported with its path', () => {
    const found = problems(
      `${WORLD}organization:\n  managementAccount: 111111111111\n  accounts:\n    - { id: '222222222222', name: x, email: nope, ou: Workloads, state: GONE }\n`,
    );
    expect(found.join('\n')).toMatch(/organization\.managementAccount .*12-digit/);
    expect(found.join('\n')).toMatch(/organization\.accounts\[0\]\.email .*email/);
    expect(found.join('\n')).toMatch(/organization\.accounts\[0\]\.ou .*OU path/);
    expect(found.join('\n')).toMatch(/organization\.accounts\[0\]\.state/);
  });

  it('when there is no organization section, then there is no Organization', () => {
    expect(Organization.fromConfig(parseDevstackConfig(WORLD, rolegate))).toBeUndefined();
  });
});
