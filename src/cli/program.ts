import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createCliContext } from './cli-context.js';
import { addCredentialCommands, type GlobalOptions } from './credential-commands.js';
import { runCredentialProcess } from './commands/credential-process.js';
import { runLogin } from './commands/login.js';
import { runLogout } from './commands/logout.js';
import { runWhoami } from './commands/whoami.js';
import { runApply } from './commands/apply.js';
import { runExport } from './commands/export.js';
import { runDecision, runRequest, runRequests } from './commands/access-requests.js';
import { runEnv } from './commands/env.js';
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
      run((globals, o) =>
        runLogin(
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
    .action(run((globals, o) => runLogout(context(globals), { json: o.json === true }, out)));

  program
    .command('whoami')
    .alias('status')
    .description('show who the CLI is signed in as')
    .option('--json', 'print the result as JSON')
    .action(run((globals, o) => runWhoami(context(globals), { json: o.json === true }, out)));

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
    .action(
      run((globals, o) => runApply(context(globals), { file: String(o.file), dryRun: o.dryRun === true, json: o.json === true }, out)),
    );

  program
    .command('export')
    .description("administrators: write the broker's access model as an access file (YAML)")
    .option('-o, --output <path>', 'write to this file instead of stdout')
    .option('--identity-providers', 'include the identity providers')
    .action(
      run((globals, o) =>
        runExport(
          context(globals),
          { ...(typeof o.output === 'string' ? { output: o.output } : {}), identityProviders: o.identityProviders === true },
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
    .action(run((globals, o) => runRequests(context(globals), { toApprove: o.toApprove === true, json: o.json === true }, out)));
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
        run((globals, o, [id]) =>
          runDecision(
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
