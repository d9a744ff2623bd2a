import { describe, expect, it } from 'vitest';
import { parseCredentialProcessArgs } from '../../../src/cli/commands/credential-process.js';
import { CliError } from '../../../src/cli/errors.js';

const usageError = (argv: string[]) => {
  try {
    parseCredentialProcessArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return (error as CliError).message;
  }
  throw new Error('expected a usage error');
};

describe('credential-process arguments', () => {
  it('when options come as --name value or --name=value, anywhere around the command, then all are read', () => {
    expect(
      parseCredentialProcessArgs([
        '--broker=https://rolegate.corp.example',
        'credential-process',
        '--account',
        '111111111111',
        '--role=Developer',
        '--duration',
        '3600',
        '--refresh-margin=600',
        '--justification',
        'prod is down, INC-42',
        '--debug',
      ]),
    ).toEqual({
      account: '111111111111',
      role: 'Developer',
      durationSeconds: 3600,
      refreshMargin: '600',
      justification: 'prod is down, INC-42',
      broker: 'https://rolegate.corp.example',
      debug: true,
    });
  });

  it('when the role is given by its short name or ARN, then account and role are read from it', () => {
    expect(parseCredentialProcessArgs(['credential-process', 'sandbox/Developer'])).toMatchObject({
      account: 'sandbox',
      role: 'Developer',
    });
    expect(parseCredentialProcessArgs(['credential-process', '--role', 'sandbox/Developer'])).toMatchObject({
      account: 'sandbox',
      role: 'Developer',
    });
    expect(parseCredentialProcessArgs(['credential-process', 'arn:aws:iam::111111111111:role/team/Developer'])).toMatchObject({
      account: '111111111111',
      role: 'Developer',
    });
  });

  it('when an option is unknown, lacks its value or swallows the next option, then it is a usage error naming it', () => {
    expect(usageError(['credential-process', '--account', 'a', '--role', 'r', '--profile', 'x'])).toBe('unknown option --profile');
    expect(usageError(['credential-process', '--account', 'a', '--role'])).toBe('--role needs a value');
    expect(usageError(['credential-process', '--account', '--role', 'r'])).toBe('--account needs a value');
    expect(usageError(['credential-process', '-a', 'x'])).toBe('unknown option -a');
    expect(usageError(['credential-process', '--debug=yes', '--account', 'a', '--role', 'r'])).toBe('unknown option --debug');
  });

  it('when there is a stray argument or a required option is missing, then it says so', () => {
    expect(usageError(['credential-process', 'extra', '--account', 'a', '--role', 'r'])).toContain('got extra');
    expect(usageError(['credential-process', 'a/r', 'b/s'])).toBe('unexpected argument a/r b/s');
    expect(usageError(['credential-process', 'a/r', '--role', 'r'])).toContain('got a/r');
    expect(usageError(['credential-process', '--account', 'a'])).toBe(
      'credential-process needs a role: account/role, or --account and --role',
    );
    expect(usageError(['credential-process', '--role', 'Developer'])).toContain('got Developer');
    expect(usageError(['credential-process', '--account', 'a', '--role', 'r', '--duration', '60'])).toContain(
      '--duration must be whole seconds',
    );
  });
});
