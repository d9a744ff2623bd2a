import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { cliHome, runCli, type CliHome } from '../support/cli-process.js';

const demoAccess = path.resolve(import.meta.dirname, '../../config/demo-access.yaml');
const demoTests = path.resolve(import.meta.dirname, '../../config/demo-access-tests.yaml');
const demoText = readFileSync(demoAccess, 'utf8');

/** `rolegate test` and `rolegate diff`, the built CLI, offline: no broker is configured or running. */
describe('rolegate test and rolegate diff (offline)', () => {
  let home: CliHome;
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(() => {
    home = cliHome();
    dir = mkdtempSync(path.join(tmpdir(), 'rolegate-access-tests-'));
  });

  it('when the demo access file is tested against its tests (every demo user), then every case and rule passes: exit 0', async () => {
    const run = await runCli(['test', demoAccess, demoTests], home);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const user of ['alice', 'bob', 'carol']) expect(run.stdout).toContain(`] ${user} → `);
    expect(run.stdout).toMatch(/^(?:ok {3}\S+ .+\n)+\d+ passed, 0 failed\n$/);
    const users = Object.keys((parseDocument(readFileSync(demoTests, 'utf8')).toJS() as { users: object }).users);
    for (const person of ['alice', 'bob', 'carol']) expect(users).toContain(person);
  });

  it('when any one mapping of the demo file changes group, then the tests fail (exit 14) and name that mapping with its line', async () => {
    const mappings = (parseDocument(demoText).toJS() as { mappings: unknown[] }).mappings;
    for (let i = 0; i < mappings.length; i++) {
      const doc = parseDocument(demoText);
      doc.setIn(['mappings', i, 'group'], 'renamed-group');
      const file = write(`mutated-${String(i)}.yaml`, doc.toString());
      const run = await runCli(['test', file, demoTests], home);
      expect(run.code, `mapping ${String(i)} changed, tests still pass:\n${run.stdout}`).toBe(14);
      expect(run.stdout).toContain('FAIL');
    }
    // One line of one mapping: aws-admin → prod/Admin without MFA.
    const file = write('no-mfa.yaml', demoText.replace('    requireMfa: true\n', '    requireMfa: false\n'));
    const run = await runCli(['test', file, demoTests, '--format', 'text'], home);
    expect(run.code).toBe(14);
    expect(run.stdout).toMatch(
      /FAIL cases\[\d+\] bob-without-mfa → prod\/Admin: denied \(mfa_required\)\n {5}got allowed through mappings\[6\] \(.*no-mfa\.yaml:\d+:5: group aws-admin → prod\/Admin\)/,
    );
    expect(run.stdout).toMatch(/FAIL rules\[0\] no Admin\* role without MFA\n {5}mappings\[6\] .* lacks mfa/);
    const json = JSON.parse((await runCli(['test', file, demoTests, '--format', 'json'], home)).stdout) as { failed: number };
    expect(json.failed).toBe(2);
  }, 120_000);

  it('when a test names an unknown account or role, or the tests file is invalid, then a clear error with line:column (exit 15), not "denied"', async () => {
    const tests = write(
      'bad-tests.yaml',
      'version: 1\nusers:\n  alice: { groups: [aws-dev] }\ncases:\n  - { user: alice, role: prod/Nope, expect: denied }\n  - { user: alice, role: staging/Admin, expect: denied }\n  - { user: dave, role: prod/Admin, expect: maybe }\n',
    );
    const run = await runCli(['test', demoAccess, tests], home);
    expect(run.code).toBe(15);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('bad-tests.yaml:5:26 cases[0].role: unknown role "Nope" in account prod');
    expect(run.stderr).toContain('bad-tests.yaml:6:26 cases[1].role: unknown account "staging"');
    expect(run.stderr).toMatch(
      /bad-tests\.yaml:7:45 cases\[2\]\.expect: Invalid option: expected one of "allowed"\|"break-glass"\|"eligible"\|"denied"/,
    );
    const unknownUser = write('unknown-user.yaml', 'version: 1\ncases:\n  - { user: dave, role: prod/Admin, expect: denied }\n');
    const dave = await runCli(['test', demoAccess, unknownUser], home);
    expect(dave.code).toBe(15);
    expect(dave.stderr).toContain('unknown-user.yaml:3:13 cases[0].user: user "dave" is not listed under users');
    const access = write('bad-access.yaml', 'version: 1\naccounts:\n  - id: 123\n    alias: prod\n');
    const invalid = await runCli(['test', access, demoTests], home);
    expect(invalid.code).toBe(15);
    expect(invalid.stderr).toContain('bad-access.yaml:3:9 accounts[0].id:');
  });

  it('when two demo files differ by a realistic change, then rolegate diff shows the effective access in text, JSON and Markdown', async () => {
    const changed = write(
      'changed.yaml',
      demoText
        .replace('  - group: aws-readonly\n    role: arn:aws:iam::111111111111:role/ReadOnly\n', '')
        .replace(
          '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n',
          '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n    allowedCidrs: [10.0.0.0/8]\n' +
            '  - group: team-sre\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n    access: eligible\n    approval:\n      approverGroups: [sre-leads]\n      maxGrant: 4h\n',
        ),
    );
    const text = await runCli(['diff', demoAccess, changed], home);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      'Effective access:\n' +
        '  ~ group aws-admin → prod/Admin: tightened cidrs: any → 10.0.0.0/8\n' +
        '  + group team-sre → prod/Admin (eligible, approval by sre-leads, ≤ 4h, MFA, sessions ≤ 1h)\n' +
        '  − group aws-readonly → sandbox/ReadOnly\n',
    );
    const json = JSON.parse((await runCli(['diff', demoAccess, changed, '--format', 'json'], home)).stdout) as {
      effective: { action: string }[];
    };
    expect(json.effective.map((c) => c.action)).toEqual(['change', 'grant', 'revoke']);
    const markdown = await runCli(['diff', demoAccess, changed, '--format', 'markdown'], home);
    expect(markdown.stdout).toContain(
      '| ➕ gains | `group team-sre` | `prod/Admin` | eligible, approval by sre-leads, ≤ 4h, MFA, sessions ≤ 1h |',
    );
    expect((await runCli(['diff', demoAccess, demoAccess], home)).stdout).toBe('Effective access: no change.\n');
  });

  it('when the files are of different schema versions, then the answer says which version is not known (exit 15)', async () => {
    const future = write('future.yaml', demoText.replace(/^version: 1$/m, 'version: 2'));
    const run = await runCli(['diff', demoAccess, future], home);
    expect(run.code).toBe(15);
    expect(run.stderr).toContain('future.yaml: access file schema version 2 is not one this rolegate reads (it reads version 1)');
  });
});
