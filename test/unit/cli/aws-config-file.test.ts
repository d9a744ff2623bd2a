import { describe, expect, it } from 'vitest';
import { lineDiff, markerFor, updateAwsConfig, type ManagedProfile } from '../../../src/cli/aws-config-file.js';
import { cliInvocation, shellQuote } from '../../../src/cli/commands/configure.js';

const BROKER = 'https://rolegate.corp.example';
const OTHER_BROKER = 'https://rolegate.other.example';
const profile = (name: string, account = '111111111111', role = 'Developer'): ManagedProfile => ({
  name,
  settings: [
    ['credential_process', `rolegate credential-process --account ${account} --role ${role}`],
    ['region', 'us-east-1'],
  ],
});
const block = (name: string, account = '111111111111', role = 'Developer', broker = BROKER) =>
  [
    markerFor(broker),
    `[profile ${name}]`,
    `credential_process = rolegate credential-process --account ${account} --role ${role}`,
    'region = us-east-1',
  ].join('\n');

const FOREIGN = `# my own settings, keep them
[default]
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile legacy]   
sso_session = corp
sso_account_id = 333333333333
; a semicolon comment
s3 =
  max_concurrent_requests = 20
`;

describe('updateAwsConfig', () => {
  it('when the file is empty, then one marked block per profile is written, separated by blank lines', () => {
    const update = updateAwsConfig('', BROKER, [profile('sandbox-Developer'), profile('prod-ReadOnly', '222222222222', 'ReadOnly')]);
    expect(update.text).toBe(`${block('sandbox-Developer')}\n\n${block('prod-ReadOnly', '222222222222', 'ReadOnly')}\n`);
    expect(update.added).toEqual(['sandbox-Developer', 'prod-ReadOnly']);
  });

  it('when other sections and comments exist, then they are kept byte for byte and the profiles appended', () => {
    const update = updateAwsConfig(FOREIGN, BROKER, [profile('sandbox-Developer')]);
    expect(update.text.startsWith(FOREIGN)).toBe(true);
    expect(update.text).toBe(`${FOREIGN}\n${block('sandbox-Developer')}\n`);
  });

  it('when run again with the same profiles, then nothing changes', () => {
    const first = updateAwsConfig(FOREIGN, BROKER, [profile('a-Dev'), profile('b-Dev')]).text;
    const second = updateAwsConfig(first, BROKER, [profile('a-Dev'), profile('b-Dev')]);
    expect(second.text).toBe(first);
    expect(second.unchanged).toEqual(['a-Dev', 'b-Dev']);
    expect(second.added).toEqual([]);
  });

  it('when a managed profile changes, then it is rewritten in place', () => {
    const first = updateAwsConfig(`${block('a-Dev')}\n\n# between\n[profile mine]\nregion = x\n`, BROKER, [profile('a-Dev')]).text;
    const changed = updateAwsConfig(first, BROKER, [profile('a-Dev', '999999999999')]);
    expect(changed.updated).toEqual(['a-Dev']);
    expect(changed.text).toBe(`${block('a-Dev', '999999999999')}\n\n# between\n[profile mine]\nregion = x\n`);
  });

  it('when a role is no longer entitled, then its block (and its separating blank line) goes, and the rest stays', () => {
    const text = `${FOREIGN}\n${block('a-Dev')}\n\n${block('b-Dev')}\n\n# trailing comment\n`;
    const update = updateAwsConfig(text, BROKER, [profile('b-Dev')]);
    expect(update.removed).toEqual(['a-Dev']);
    expect(update.text).toBe(`${FOREIGN}\n${block('b-Dev')}\n\n# trailing comment\n`);
  });

  it('when nothing is entitled any more, then every managed block of this broker is removed', () => {
    const text = `${block('a-Dev')}\n\n${FOREIGN}`;
    expect(updateAwsConfig(text, BROKER, []).text).toBe(FOREIGN);
  });

  it('when a profile of the same name exists that rolegate did not write, then it is left alone and reported as skipped', () => {
    const update = updateAwsConfig(FOREIGN, BROKER, [profile('legacy'), profile('default')]);
    expect(update.text).toBe(FOREIGN);
    expect(update.skipped).toEqual(['legacy', 'default']);
  });

  it('when another broker manages profiles, then this broker neither rewrites nor removes them', () => {
    const text = `${block('x-Dev', '111111111111', 'Developer', OTHER_BROKER)}\n`;
    const update = updateAwsConfig(text, BROKER, [profile('x-Dev'), profile('y-Dev')]);
    expect(update.skipped).toEqual(['x-Dev']);
    expect(update.text).toBe(`${text}\n${block('y-Dev')}\n`);
  });

  it('when the file uses CRLF line endings, then they are kept and the new lines use them too', () => {
    const crlf = FOREIGN.replace(/\n/g, '\r\n');
    const update = updateAwsConfig(crlf, BROKER, [profile('a-Dev')]);
    expect(update.text).toBe(`${crlf}\r\n${block('a-Dev').replace(/\n/g, '\r\n')}\r\n`);
    expect(update.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(updateAwsConfig(update.text, BROKER, [profile('a-Dev')]).text).toBe(update.text);
  });

  it('when the file has no final newline, then the last line is kept and the profile starts after a blank line', () => {
    const update = updateAwsConfig('[default]\nregion = eu-west-1', BROKER, [profile('a-Dev')]);
    expect(update.text).toBe(`[default]\nregion = eu-west-1\n\n${block('a-Dev')}\n`);
  });

  it('when a user added a comment below a managed block, then the comment survives a rewrite and a removal', () => {
    const text = `${block('a-Dev')}\n# my note about a-Dev\n`;
    expect(updateAwsConfig(text, BROKER, [profile('a-Dev', '999999999999')]).text).toBe(
      `${block('a-Dev', '999999999999')}\n# my note about a-Dev\n`,
    );
    expect(updateAwsConfig(text, BROKER, []).text).toBe('# my note about a-Dev\n');
  });

  it('when a [profile] header was written by hand without the marker, then it is never taken over', () => {
    const text = '[profile a-Dev]\ncredential_process = something else\n';
    const update = updateAwsConfig(text, BROKER, [profile('a-Dev')]);
    expect(update.text).toBe(text);
    expect(update.skipped).toEqual(['a-Dev']);
  });
});

describe('lineDiff', () => {
  it('when lines are added and removed, then they are marked with + and - among two lines of context', () => {
    const diff = lineDiff('a\nb\nc\nd\ne\nf\ng\n', 'a\nb\nc\nd\nE\nf\ng\nh\n');
    expect(diff).toBe('…\n  c\n  d\n- e\n+ E\n  f\n  g\n+ h\n');
  });

  it('when nothing changes, then the diff is empty', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toBe('');
  });
});

describe('the credential_process command line', () => {
  it('when run from a checkout, then node and the script are both absolute', () => {
    expect(cliInvocation('/opt/rolegate/dist/cli/main.js', '/usr/bin/node')).toBe('/usr/bin/node /opt/rolegate/dist/cli/main.js');
  });

  it('when installed as the rolegate bin, then the bin alone', () => {
    expect(cliInvocation('/usr/local/bin/rolegate', '/usr/bin/node')).toBe('/usr/local/bin/rolegate');
  });

  it('when a path has spaces or quotes, then it is double-quoted for shlex', () => {
    expect(cliInvocation('/Users/Jane Doe/rolegate/dist/cli/main.js', '/usr/bin/node')).toBe(
      '/usr/bin/node "/Users/Jane Doe/rolegate/dist/cli/main.js"',
    );
    expect(shellQuote('a"b')).toBe('"a\\"b"');
    expect(shellQuote('Dev-Role_1')).toBe('Dev-Role_1');
  });
});
