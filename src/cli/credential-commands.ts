import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { CliError, ExitCode } from './errors.js';
import type { Output } from './output.js';
import { durationOf, refreshSettings } from './refresh-settings.js';
import type { RoleRequest } from './role-credentials.js';
import { roleFromArguments, type RoleName } from './roles/role-name.js';

export interface GlobalOptions {
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
  /** The whole argv, for `exec` (where `--` separates the role from the command). */
  argv: readonly string[];
}

export const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The role request of a command's options: the named (or picked) role, with --duration and --justification. */
export async function roleRequestOf(ctx: CliContext, o: Record<string, unknown>, positional?: string): Promise<RoleRequest> {
  const name = await (await import('./roles/choose-role.js')).resolveRole(ctx, { positional, account: str(o.account), role: str(o.role) });
  return withRoleOptions(name, o);
}

export function withRoleOptions(name: RoleName, o: Record<string, unknown>): RoleRequest {
  const durationSeconds = durationOf(str(o.duration));
  const justification = str(o.justification);
  return {
    ...name,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(justification !== undefined ? { justification } : {}),
  };
}

/** --account, --role, --duration and --justification, shared by every command that takes a role. */
export const roleOptions = (command: Command) =>
  command
    .option('--account <id-or-alias>', 'AWS account id or alias (or name the role as account/role)')
    .option('--role <name>', 'IAM role name (or account/role)')
    .option('--duration <seconds>', 'session length, 900-43200 (clamped to what the role allows)')
    .option('--justification <text>', 'why you need a break-glass role (required for those; audited)');

/** `roles`, `exec`, `configure`, `console` and `serve`: the commands that use the role credentials (issue 7). */
export function addCredentialCommands(program: Command, kit: CommandKit): void {
  const { run, context, out } = kit;

  program
    .command('roles')
    .description('list the roles you may take (account alias and id, role, longest session, description)')
    .option('--json', 'print the broker’s answer as JSON')
    .action(run(async (globals, o) => (await import('./commands/roles.js')).runRoles(context(globals), { json: o.json === true }, out)));

  roleOptions(
    program
      .command('exec')
      .description('run a command with a role’s credentials in its environment: rolegate exec sandbox/Developer -- cmd args…')
      .option('--refresh-margin <seconds>', 'refresh cached credentials with less than this left (default 1200)')
      .argument(
        '<command...>',
        '[account/role] -- the command and its arguments (the role: a word before --, or --account/--role, or picked)',
      ),
  ).action(
    run(async (globals, o, [words]) => {
      const ctx = context(globals);
      const [positional, command] = splitExecWords(words as string[], kit.argv);
      const request = await roleRequestOf(ctx, o, positional);
      const code = await (
        await import('./commands/exec.js')
      ).runExec(ctx, request, command, refreshSettings(ctx.env, str(o.refreshMargin)), (text) => out.stderr(text));
      kit.setExitCode(code);
    }),
  );

  program
    .command('configure')
    .description(
      'write one [profile <prefix><alias>-<role>] per entitled role into ~/.aws/config; with --kubeconfig, a kubectl context for an EKS cluster',
    )
    .argument('[role]', '--kubeconfig only: account/role (or --account/--role)')
    .option('--prefix <prefix>', 'prefix of the profile names', '')
    .option('--dry-run', 'print the change as a diff; write nothing')
    .option('--config-file <path>', 'the AWS config file (default: $AWS_CONFIG_FILE, else ~/.aws/config)')
    .option('--json', 'print what changed as JSON')
    .option(
      '--kubeconfig [file]',
      'write a kubeconfig user and context running `rolegate eks token` (default file: $KUBECONFIG, else ~/.kube/config)',
    )
    .option('--cluster <name>', '--kubeconfig: the EKS cluster name')
    .option('--server <url>', '--kubeconfig: the cluster’s API endpoint, when the file has no cluster of that name')
    .option('--certificate-authority-data <base64>', '--kubeconfig: the cluster’s CA, with --server')
    .option('--region <region>', '--kubeconfig: the region to sign tokens for (default: the account’s)')
    .option('--use-context', '--kubeconfig: make it the current context')
    .option('--account <id-or-alias>', '--kubeconfig: AWS account id or alias')
    .option('--role <name>', '--kubeconfig: IAM role name (or account/role)')
    .action(
      run(async (globals, o, [positional]) => {
        const ctx = context(globals);
        if (o.kubeconfig !== undefined) {
          const cluster = str(o.cluster);
          if (cluster === undefined) throw new CliError(ExitCode.usage, 'configure --kubeconfig needs --cluster NAME');
          const role = await (
            await import('./roles/choose-role.js')
          ).resolveRole(ctx, { positional: str(positional), account: str(o.account), role: str(o.role) });
          const { runConfigureKubeconfig } = await import('./commands/configure-kubeconfig.js');
          return runConfigureKubeconfig(
            ctx,
            role,
            {
              ...(typeof o.kubeconfig === 'string' ? { file: o.kubeconfig } : {}),
              cluster,
              ...(str(o.server) !== undefined ? { server: str(o.server) } : {}),
              ...(str(o.certificateAuthorityData) !== undefined ? { certificateAuthorityData: str(o.certificateAuthorityData) } : {}),
              ...(str(o.region) !== undefined ? { region: str(o.region) } : {}),
              useContext: o.useContext === true,
              dryRun: o.dryRun === true,
            },
            out,
          );
        }
        const stray = ['cluster', 'server', 'certificateAuthorityData', 'region', 'useContext', 'account', 'role'].find(
          (k) => o[k] !== undefined,
        );
        if (positional !== undefined || stray !== undefined) {
          throw new CliError(
            ExitCode.usage,
            'a role, --cluster, --server and the like go with --kubeconfig only',
            'configure alone writes a profile for every role',
          );
        }
        return (await import('./commands/configure.js')).runConfigure(
          ctx,
          {
            prefix: str(o.prefix) ?? '',
            dryRun: o.dryRun === true,
            ...(str(o.configFile) !== undefined ? { configFile: str(o.configFile) } : {}),
            json: o.json === true,
          },
          out,
        );
      }),
    );

  const eks = program.command('eks').description('Amazon EKS: tokens for kubectl (see configure --kubeconfig)');
  roleOptions(
    eks
      .command('token')
      .description('print the ExecCredential kubectl reads: a token for an EKS cluster, as the role')
      .argument('[role]', 'account/role (or --account/--role)')
      .requiredOption('--cluster <name>', 'the EKS cluster name (or id)')
      .option('--region <region>', 'the region to sign for (default: the account’s home region)')
      .option('--refresh-margin <seconds>', 'refresh cached credentials with less than this left (default 1200)'),
  ).action(
    run(async (globals, o, [positional]) => {
      const ctx = context(globals);
      // kubectl runs it without a terminal: never the picker.
      const name = roleFromArguments({ positional: str(positional), account: str(o.account), role: str(o.role) });
      if (!name) throw new CliError(ExitCode.usage, 'eks token needs a role: account/role, or --account and --role');
      const { runEksToken } = await import('./commands/eks-token.js');
      await runEksToken(
        ctx,
        withRoleOptions(name, o),
        {
          cluster: String(o.cluster),
          ...(str(o.region) !== undefined ? { region: str(o.region) } : {}),
          settings: refreshSettings(ctx.env, str(o.refreshMargin)),
        },
        out,
      );
    }),
  );

  roleOptions(
    program
      .command('console')
      .description('open the AWS console as a role in your browser (or print the one-time sign-in URL)')
      .argument('[role]', 'account/role, e.g. sandbox/Developer (omitted: --account/--role, or pick one)')
      .option('--destination <url>', 'the console page to open (default: the account region’s console home)')
      .option('--print', 'print the URL instead of opening a browser'),
  ).action(
    run(async (globals, o, [positional]) => {
      const ctx = context(globals);
      const role = await roleRequestOf(ctx, o, str(positional));
      const destination = str(o.destination);
      return (await import('./commands/console.js')).runConsole(
        ctx,
        { ...role, ...(destination !== undefined ? { destination } : {}), print: o.print === true },
        out,
      );
    }),
  );

  roleOptions(
    program
      .command('serve')
      .description('serve credentials to programs as the ECS container endpoint (--ecs) or EC2 instance metadata (--imds)')
      .argument('[role]', 'account/role to serve (--ecs without a role: the path names it, /role/<account>/<role>)')
      .option('--ecs', 'the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI + token)')
      .option('--imds', 'an IMDSv2 instance metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT), one role')
      .option('--bind <address>', '--ecs only: listen on this address instead of 127.0.0.1 (e.g. a container bridge)')
      .option('--port <port>', 'port (default: any free one)', '0')
      .option('--refresh-margin <seconds>', 'refresh with less than this left (default 1200)'),
  ).action(
    run(async (globals, o, [positional]) => {
      if ((o.ecs === true) === (o.imds === true)) throw new CliError(ExitCode.usage, 'serve needs exactly one of --ecs or --imds');
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new CliError(ExitCode.usage, `--port must be 0-65535, got ${String(o.port)}`);
      const ctx = context(globals);
      const named = roleFromArguments({ positional: str(positional), account: str(o.account), role: str(o.role) });
      // The IMDS serves one role; the ECS endpoint may serve any, named in the path.
      const role = named ? withRoleOptions(named, o) : o.imds === true ? await roleRequestOf(ctx, o) : undefined;
      return (await import('./commands/serve.js')).runServe(
        ctx,
        {
          protocol: o.imds === true ? 'imds' : 'ecs',
          ...(role ? { role } : {}),
          port,
          ...(str(o.bind) !== undefined ? { bind: str(o.bind) } : {}),
          settings: refreshSettings(ctx.env, str(o.refreshMargin)),
        },
        out,
      );
    }),
  );
}

/**
 * `exec [role] -- command…`: commander hands over the words before and after
 * `--` as one list; the words after `--` in argv are the command, so at most
 * one word before them is the role. Without `--`, every word is the command.
 */
export function splitExecWords(words: string[], argv: readonly string[]): [string | undefined, string[]] {
  const dash = argv.indexOf('--');
  if (dash === -1) return [undefined, words];
  const before = words.length - (argv.length - dash - 1);
  if (before === 0) return [undefined, words];
  if (before === 1) return [words[0], words.slice(1)];
  throw new CliError(ExitCode.usage, `exec takes one role before --, got ${words.slice(0, before).join(' ').slice(0, 100)}`);
}
