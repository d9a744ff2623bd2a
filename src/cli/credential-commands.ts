import { Option, type Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { runConfigure } from './commands/configure.js';
import { runConsole } from './commands/console.js';
import { runExec } from './commands/exec.js';
import { runRoles } from './commands/roles.js';
import { runServe } from './commands/serve.js';
import { CliError, ExitCode } from './errors.js';
import type { Output } from './output.js';
import { durationOf, refreshSettings } from './refresh-settings.js';
import type { RoleRequest } from './role-credentials.js';

interface GlobalOptions {
  broker?: string;
  debug?: boolean;
}

type Action = (globals: GlobalOptions, options: Record<string, unknown>, positionals: unknown[]) => Promise<void>;

export interface CommandKit {
  /** Wraps an action: reports CliErrors and sets the exit code. */
  run: (action: Action) => (...args: unknown[]) => Promise<void>;
  context: (globals: GlobalOptions) => CliContext;
  setExitCode: (code: number) => void;
  out: Output;
}

/** `roles`, `exec`, `configure`, `console` and `serve`: the commands that use the role credentials (issue 7). */
export function addCredentialCommands(program: Command, kit: CommandKit): void {
  const { run, context, out } = kit;
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const roleOf = (o: Record<string, unknown>): RoleRequest => {
    const durationSeconds = durationOf(str(o.duration));
    const justification = str(o.justification);
    return {
      account: String(o.account),
      role: String(o.role),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      ...(justification !== undefined ? { justification } : {}),
    };
  };
  const roleOptions = (command: Command) =>
    command
      .option('--duration <seconds>', 'session length, 900-43200 (clamped to what the role allows)')
      .option('--justification <text>', 'why you need a break-glass role (required for those; audited)');

  program
    .command('roles')
    .description('list the roles you may take (account alias and id, role, longest session, description)')
    .option('--json', 'print the broker’s answer as JSON')
    .action(run((globals, o) => runRoles(context(globals), { json: o.json === true }, out)));

  roleOptions(
    program
      .command('exec')
      .description('run a command with a role’s credentials in its environment: rolegate exec --account A --role R -- cmd args…')
      .requiredOption('--account <id-or-alias>', 'AWS account id or alias')
      .requiredOption('--role <name>', 'IAM role name')
      .option('--refresh-margin <seconds>', 'refresh cached credentials with less than this left (default 1200)')
      .argument('<command...>', 'the command and its arguments, after --'),
  ).action(
    run(async (globals, o, [command]) => {
      const ctx = context(globals);
      const code = await runExec(ctx, roleOf(o), command as string[], refreshSettings(ctx.env, str(o.refreshMargin)), (text) =>
        out.stderr(text),
      );
      kit.setExitCode(code);
    }),
  );

  program
    .command('configure')
    .description('write one [profile <prefix><alias>-<role>] per entitled role into ~/.aws/config (credential_process)')
    .option('--prefix <prefix>', 'prefix of the profile names', '')
    .option('--dry-run', 'print the change as a diff; write nothing')
    .option('--config-file <path>', 'the AWS config file (default: $AWS_CONFIG_FILE, else ~/.aws/config)')
    .option('--json', 'print what changed as JSON')
    .action(
      run((globals, o) =>
        runConfigure(
          context(globals),
          {
            prefix: str(o.prefix) ?? '',
            dryRun: o.dryRun === true,
            ...(str(o.configFile) !== undefined ? { configFile: str(o.configFile) } : {}),
            json: o.json === true,
          },
          out,
        ),
      ),
    );

  roleOptions(
    program
      .command('console')
      .description('open the AWS console as a role in your browser (or print the one-time sign-in URL)')
      .requiredOption('--account <id-or-alias>', 'AWS account id or alias')
      .requiredOption('--role <name>', 'IAM role name')
      .option('--destination <url>', 'the console page to open (default: the account region’s console home)')
      .option('--print', 'print the URL instead of opening a browser'),
  ).action(
    run((globals, o) => {
      const role = roleOf(o);
      const destination = str(o.destination);
      return runConsole(context(globals), { ...role, ...(destination !== undefined ? { destination } : {}), print: o.print === true }, out);
    }),
  );

  roleOptions(
    program
      .command('serve')
      .description('serve credentials on 127.0.0.1 as the ECS container credentials endpoint (prints the export lines)')
      .addOption(new Option('--ecs', 'the container credentials protocol (the only one so far)').makeOptionMandatory())
      .option('--account <id-or-alias>', 'serve this account’s role at / (else the path names it: /role/<account>/<role>)')
      .option('--role <name>', 'IAM role name, with --account')
      .option('--port <port>', 'port on 127.0.0.1 (default: any free one)', '0')
      .option('--refresh-margin <seconds>', 'refresh with less than this left (default 1200)'),
  ).action(
    run((globals, o) => {
      if ((o.account === undefined) !== (o.role === undefined)) {
        throw new CliError(ExitCode.usage, 'give --account and --role together, or neither');
      }
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new CliError(ExitCode.usage, `--port must be 0-65535, got ${String(o.port)}`);
      const ctx = context(globals);
      return runServe(
        ctx,
        { ...(o.account !== undefined ? { role: roleOf(o) } : {}), port, settings: refreshSettings(ctx.env, str(o.refreshMargin)) },
        out,
      );
    }),
  );
}
