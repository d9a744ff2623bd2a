import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createCliContext } from './cli-context.js';
import { addCredentialCommands, type GlobalOptions } from './credential-commands.js';
import { runCredentialProcess } from './commands/credential-process.js';
import { CliError, ExitCode, reportError } from './errors.js';
import { refreshSettings } from './refresh-settings.js';
import { ENV_FORMATS, type EnvFormat } from './shell-formats.js';
import { commandWord } from './fast-path.js';
import { processOutput, type Output } from './output.js';
import { addShellCommands } from './shell-commands.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 3600) throw new InvalidArgumentError('expected whole seconds from 10 to 3600');
  return n;
};

type OfflineFormat = 'text' | 'json' | 'markdown';
const formatOption = () => new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text');

/** The whole CLI except the credential-process fast path (see main.ts). Returns the exit code. */
export async function runProgram(argv: readonly string[], out: Output = processOutput): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name('rolegate')
    .description('Sign in to your company’s rolegate broker and get short-lived AWS credentials.')
    .version(version(), '-V, --version')
    .option('--broker <url>', 'the rolegate broker (default: $ROLEGATE_URL, config.json, or the one you signed in to)')
    .option('--debug', 'explain what happens on stderr (never secrets)')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.stdout(text),
      writeErr: (text) => out.stderr(text),
      outputError: (text, write) =>
        write(
          `rolegate: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\nhint: see \`rolegate --help\`\n`,
        ),
    });

  // Commander calls actions with (...positionals, options, command).
  const run =
    (action: (globals: GlobalOptions, options: Record<string, unknown>, positionals: string[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      try {
        await action(globals, args.at(-2) as Record<string, unknown>, args.slice(0, -2) as string[]);
      } catch (error) {
        exitCode = reportError(error, { debug: globals.debug === true, write: (text) => out.stderr(text) });
      }
    };
  const context = (globals: GlobalOptions) =>
    createCliContext({ ...(globals.broker !== undefined ? { brokerFlag: globals.broker } : {}), debug: globals.debug === true });

  program
    .command('login')
    .description('sign in to the broker (browser with PKCE; a code to confirm on the portal with --no-browser)')
    .option('--no-browser', 'use a code you confirm on the rolegate portal from any device (headless machines)')
    .option('--device-name <name>', 'how this machine is listed on the portal (default: its hostname)')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the sign-in').argParser(seconds).default(300))
    .option(
      '--keychain',
      'keep the refresh token in the OS keychain (macOS Keychain, Secret Service, Windows Credential Manager); remembered',
    )
    .option('--no-keychain', 'keep the refresh token in tokens.json (0600), the default; remembered')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (globals, o) =>
        (await import('./commands/login.js')).runLogin(
          context(globals),
          {
            saveBroker: globals.broker !== undefined,
            noBrowser: o.browser === false,
            ...(typeof o.deviceName === 'string' ? { deviceName: o.deviceName } : {}),
            timeoutSeconds: o.timeout as number,
            ...(typeof o.keychain === 'boolean' ? { keychain: o.keychain } : {}),
            json: o.json === true,
          },
          out,
        ),
      ),
    );

  program
    .command('logout')
    .description('revoke this CLI session at the broker and delete local tokens and cached credentials')
    .option('--json', 'print the result as JSON')
    .action(run(async (globals, o) => (await import('./commands/logout.js')).runLogout(context(globals), { json: o.json === true }, out)));

  program
    .command('whoami')
    .alias('status')
    .description('show who the CLI is signed in as')
    .option('--json', 'print the result as JSON')
    .action(run(async (globals, o) => (await import('./commands/whoami.js')).runWhoami(context(globals), { json: o.json === true }, out)));

  program
    .command('credential-process')
    .description('print AWS credential_process JSON for a role (for ~/.aws/config)')
    .argument('[role]', 'account/role or a role ARN (or --account and --role)')
    .option('--account <id-or-alias>', 'AWS account id or alias')
    .option('--role <name>', 'IAM role name (or account/role)')
    .option('--duration <seconds>', 'session length, 900-43200 (clamped to what the role allows)')
    .option('--refresh-margin <seconds>', 'ask the broker when cached credentials have less than this left (default 1200)')
    .option('--justification <text>', 'why you need a break-glass role (required for those; audited)')
    .action(async () => {
      exitCode = await runCredentialProcess(argv.slice(2));
    });

  const kit = { run, context, out, argv, setExitCode: (code: number) => (exitCode = code) };
  addCredentialCommands(program, kit);

  program
    .command('apply')
    .description("administrators: make the broker's accounts, roles and mappings what an access file says (shows the diff)")
    .requiredOption('-f, --file <path>', 'the access file (YAML; - for stdin)')
    .option('--dry-run', 'show the diff, change nothing')
    .option('--json', 'print the result as JSON')
    .addOption(formatOption())
    .action(
      run(async (globals, o) =>
        (await import('./commands/apply.js')).runApply(
          context(globals),
          { file: String(o.file), dryRun: o.dryRun === true, json: o.json === true, format: o.format as OfflineFormat },
          out,
        ),
      ),
    );

  // Offline commands: no broker. Their code (the domain's entitlement rules, the access-file
  // parser) is loaded only when they run — see src/cli/offline/ and eslint.config.js.
  program
    .command('diff')
    .description('the change in effective access between two access files (who gains or loses which role); no broker needed')
    .argument('<old>', 'the access file before the change')
    .argument('<new>', 'the access file after the change')
    .addOption(formatOption())
    .action(
      run(async (_globals, o, [before, after]) => {
        const { runDiff } = await import('./offline/diff-command.js');
        runDiff({ before: String(before), after: String(after), format: o.format as OfflineFormat }, out);
      }),
    );

  program
    .command('test')
    .description(
      'check an access file against expectations and rules (access-tests.yaml) with the broker’s own entitlement code; offline, for CI',
    )
    .argument('<access-file>', 'the access file')
    .argument('<tests-file>', 'the tests (docs/access-as-code.md#access-tests)')
    .addOption(formatOption())
    .action(
      run(async (_globals, o, [accessFile, testsFile]) => {
        const { runAccessTests } = await import('./offline/test-command.js');
        exitCode = runAccessTests({ accessFile: String(accessFile), testsFile: String(testsFile), format: o.format as OfflineFormat }, out);
      }),
    );

  const accounts = program.command('accounts').description('administrators: the AWS accounts of the access file');
  accounts
    .command('discover')
    .description(
      "propose the access file's additions and removals from your AWS Organization (ListAccounts through a role in the management account), as a diff",
    )
    .option('--role-arn <arn>', 'a role in the management account to assume with your AWS credentials (default: use them directly)')
    .option('-f, --file <path>', 'the access file (YAML)', 'access.yaml')
    .addOption(new Option('--format <format>', 'diff (a unified diff on stdout) or json').choices(['diff', 'json']).default('diff'))
    .option('--write', 'write the proposal to the file instead of printing the diff')
    .option('--ou <path>', 'only add or remove accounts under this OU path, e.g. /Workloads')
    .option('--keep-absent', 'keep listed accounts that are not in the Organization')
    .option('--region <region>', "Organizations' Region (its endpoint is global)", 'us-east-1')
    .addOption(new Option('--timeout <seconds>', 'give up when AWS has not answered everything by then').argParser(seconds).default(300))
    .action(
      run(async (_globals, o) => {
        // Loaded only here: the AWS SDK clients and the domain stay out of every other command's start-up (credential_process).
        const { runDiscovery } = await import('./discovery/run-discovery.js');
        const roleArn = typeof o.roleArn === 'string' ? o.roleArn : undefined;
        if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn))
          throw new CliError(ExitCode.usage, `--role-arn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${roleArn}`);
        await runDiscovery(
          {
            file: String(o.file),
            ...(roleArn !== undefined ? { roleArn } : {}),
            format: o.format === 'json' ? 'json' : 'diff',
            write: o.write === true,
            ...(typeof o.ou === 'string' ? { ou: o.ou } : {}),
            keepAbsent: o.keepAbsent === true,
            region: String(o.region),
            timeoutSeconds: o.timeout as number,
          },
          out,
        );
      }),
    );

  program
    .command('export')
    .description("administrators: write the broker's access model as an access file (YAML)")
    .option('-o, --output <path>', 'write to this file instead of stdout')
    .option('--identity-providers', 'include the identity providers')
    .action(
      run(async (globals, o) =>
        (await import('./commands/export.js')).runExport(
          context(globals),
          { ...(typeof o.output === 'string' ? { output: o.output } : {}), identityProviders: o.identityProviders === true },
          out,
        ),
      ),
    );

  program
    .command('usage')
    .description('administrators and auditors: who took which role, how often and through what (from the audit trail)')
    .option('--days <n>', 'the window, in days (default 90)')
    .option('--account <id-or-alias>', 'only this account')
    .option('--role <arn-or-name>', 'only this role')
    .option('--few-uses <n>', 'standing mappings used at most this often are just-in-time candidates (default 3)')
    .option('--json', 'print the report as JSON')
    .action(
      run(async (globals, o) =>
        (await import('./commands/usage.js')).runUsage(
          context(globals),
          {
            ...(typeof o.days === 'string' ? { days: o.days } : {}),
            ...(typeof o.account === 'string' ? { account: o.account } : {}),
            ...(typeof o.role === 'string' ? { role: o.role } : {}),
            ...(typeof o.fewUses === 'string' ? { fewUses: o.fewUses } : {}),
            json: o.json === true,
          },
          out,
        ),
      ),
    );

  program
    .command('iam-template')
    .description("administrators: what each AWS account needs in IAM (providers, trust policies, revoker), from the broker's access model")
    .option('--account <id-or-alias>', 'this account')
    .option('--all', 'every account (one file each, into --out-dir)')
    .option('--format <format>', 'cloudformation, terraform or aws-cli')
    .option('--hub-principal <arn>', "ARN of rolegate's own AWS identity (assume-role roles, the revoker); else a template parameter")
    .option(
      '--thumbprint <sha1>',
      "the OIDC provider's thumbprint (40 hex digits); default: read from the https issuer's TLS certificate chain",
    )
    .option('--out-dir <dir>', 'write one file per account here instead of stdout')
    .action(
      run(async (globals, o) =>
        (await import('./commands/iam-template.js')).runIamTemplate(
          context(globals),
          {
            ...(typeof o.account === 'string' ? { account: o.account } : {}),
            all: o.all === true,
            ...(typeof o.format === 'string' ? { format: o.format } : {}),
            ...(typeof o.hubPrincipal === 'string' ? { hubPrincipal: o.hubPrincipal } : {}),
            ...(typeof o.thumbprint === 'string' ? { thumbprint: o.thumbprint } : {}),
            ...(typeof o.outDir === 'string' ? { outDir: o.outDir } : {}),
          },
          out,
        ),
      ),
    );

  program
    .command('doctor')
    .description("administrators and auditors: compare each AWS account's IAM with what the access model needs; a fix under each finding")
    .option('--account <id-or-alias>', 'this account only (default: every account)')
    .option('--reader-role-name <name>', 'a read-only role in each account, assumed by rolegate (default: rolegate’s own identity reads)')
    .option('--hub-principal <arn>', "ARN of rolegate's own AWS identity, which assume-role trust policies must name")
    .option('--json', 'print the findings as JSON')
    .action(
      run(async (globals, o) =>
        (await import('./commands/doctor.js')).runDoctor(
          context(globals),
          {
            ...(typeof o.account === 'string' ? { account: o.account } : {}),
            ...(typeof o.readerRoleName === 'string' ? { readerRoleName: o.readerRoleName } : {}),
            ...(typeof o.hubPrincipal === 'string' ? { hubPrincipal: o.hubPrincipal } : {}),
            json: o.json === true,
          },
          out,
        ),
      ),
    );

  program
    .command('request')
    .description('ask for roles you are eligible for (just-in-time access): approvers decide, the grant ends by itself')
    .option('--account <id-or-alias>', 'the AWS account (id or alias) of the roles given by name alone')
    .option(
      '--role <account/role>',
      'a role to ask for: account/role, or a name with --account; repeat for several',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .requiredOption('--duration <length>', 'how long: 4h, 90m, 1h30m or seconds (at most the role’s maxGrant)')
    .option('--reason <text>', 'why you need it (shown to approvers, audited)')
    .option('--ticket <id>', 'a ticket id, when the role asks for one')
    .option('--wait', 'wait for the decision, then print the credentials (one role) as `rolegate env` does')
    .option('--wait-timeout <seconds>', 'stop waiting after this long (default: until the request expires)')
    .addOption(
      new Option('--format <format>', 'with --wait: how to print the credentials (as `rolegate env`)').choices(ENV_FORMATS).default('sh'),
    )
    .option('--json', 'print the request(s) as JSON')
    .action(
      run(async (globals, o) => {
        const ctx = context(globals);
        const timeout = o.waitTimeout === undefined ? undefined : Number(o.waitTimeout);
        if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 1))
          throw new CliError(ExitCode.usage, '--wait-timeout must be whole seconds');
        const format = o.format as EnvFormat;
        const { runEnv } = await import('./commands/env.js');
        const { runRequest } = await import('./commands/access-requests.js');
        await runRequest(
          ctx,
          {
            ...(typeof o.account === 'string' ? { account: o.account } : {}),
            roles: (o.role as string[] | undefined) ?? [],
            duration: String(o.duration),
            ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
            ...(typeof o.ticket === 'string' ? { ticket: o.ticket } : {}),
            json: o.json === true,
            ...(o.wait === true
              ? {
                  wait: {
                    print: (role) => runEnv(ctx, role, { format, unset: false }, refreshSettings(ctx.env), out),
                    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
                  },
                }
              : {}),
          },
          out,
        );
      }),
    );
  program
    .command('requests')
    .description('list your access requests, or with --to-approve those waiting for your decision')
    .option('--to-approve', 'the pending requests you may approve or deny')
    .option('--json', 'print the requests as JSON')
    .action(
      run(async (globals, o) =>
        (await import('./commands/access-requests.js')).runRequests(
          context(globals),
          { toApprove: o.toApprove === true, json: o.json === true },
          out,
        ),
      ),
    );
  for (const [action, what] of [
    ['approve', 'approve an access request (someone else’s; you must be in an approver group)'],
    ['deny', 'deny an access request'],
    ['cancel', 'withdraw your access request, or end your grant early'],
  ] as const) {
    const command = program.command(action).description(what).argument('<id>', 'the access request id (`rolegate requests`)');
    if (action !== 'cancel') command.option('--comment <text>', 'a comment for the requester (audited)');
    command
      .option('--json', 'print the request as JSON')
      .action(
        run(async (globals, o, [id]) =>
          (await import('./commands/access-requests.js')).runDecision(
            context(globals),
            action,
            String(id),
            { ...(typeof o.comment === 'string' ? { comment: o.comment } : {}), json: o.json === true },
            out,
          ),
        ),
      );
  }

  addShellCommands(program, kit);

  try {
    if (argv.length <= 2) {
      out.stderr(program.helpInformation());
      return ExitCode.usage;
    }
    await program.parseAsync(withoutHelpForUnknownCommand(program, argv));
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; everything else is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, { debug: argv.includes('--debug'), write: (text) => out.stderr(text) });
  }
}

/**
 * `rolegate no-such-command --help` must fail like the typo without `--help`
 * (exit 2, "unknown command … (Did you mean …?)"), not print the top-level
 * help and succeed: commander handles --help before it looks at the command.
 * So for an unknown command word, the help flags are dropped; `help <word>`
 * is checked the same way.
 */
function withoutHelpForUnknownCommand(program: Command, argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const known = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  let word = commandWord(args);
  if (word === 'help') word = commandWord(args.slice(args.indexOf('help') + 1));
  if (word === undefined || known.has(word)) return [...argv];
  return [...argv.slice(0, 2), ...args.filter((a) => a !== '--help' && a !== '-h' && a !== 'help')];
}
