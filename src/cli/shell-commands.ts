import { Option, type Command } from 'commander';
import { completionScript, SHELLS, type CompletionSpec } from './commands/completion.js';
import { INIT_SHELLS, shellInitScript } from './commands/shell-init.js';
import { roleOptions, roleRequestOf, str, type CommandKit } from './credential-commands.js';
import { refreshSettings } from './refresh-settings.js';
import { cliArgv } from './self-invocation.js';
import { ENV_FORMATS, type EnvFormat } from './shell-formats.js';

/** Commands whose positional is a role (completed from the local role list). */
const ROLE_COMMANDS = new Set(['env', 'exec', 'console', 'serve', 'credential-process']);

/** `env` (credentials into the current shell), `shell-init` (the `assume` function) and `completion`. */
export function addShellCommands(program: Command, kit: CommandKit): void {
  const { run, context, out } = kit;

  roleOptions(
    program
      .command('env')
      .alias('export-credentials')
      .description('print a role’s credentials for the current shell: eval "$(rolegate env sandbox/Developer)"')
      .argument('[role]', 'account/role, e.g. sandbox/Developer (omitted: --account/--role, or pick one)')
      .addOption(new Option('--format <format>', 'how to print them').choices(ENV_FORMATS).default('sh'))
      .option('--unset', 'print the lines that remove what env set (for the shell function)')
      .option('--refresh-margin <seconds>', 'refresh cached credentials with less than this left (default 1200)'),
  ).action(
    run(async (globals, o, [positional]) => {
      const ctx = context(globals);
      const format = o.format as EnvFormat;
      const settings = refreshSettings(ctx.env, str(o.refreshMargin));
      const request = o.unset === true ? undefined : await roleRequestOf(ctx, o, str(positional));
      await (await import('./commands/env.js')).runEnv(ctx, request, { format, unset: o.unset === true }, settings, out);
    }),
  );

  program
    .command('shell-init')
    .description('print the `assume` shell function: eval "$(rolegate shell-init bash)" in ~/.bashrc')
    .argument('<shell>', `one of ${INIT_SHELLS.join(', ')}`)
    .option('--name <name>', 'the function’s name', 'assume')
    .option('--no-prompt', 'leave the prompt alone (no [account/role] in front of it)')
    .action(
      run((_globals, o, [shell]) => {
        out.stdout(shellInitScript(String(shell), { name: str(o.name) ?? 'assume', prompt: o.prompt !== false, invocation: cliArgv() }));
        return Promise.resolve();
      }),
    );

  program
    .command('completion')
    .description('print a shell completion script (bash, zsh, fish or powershell)')
    .argument('<shell>', `one of ${SHELLS.join(', ')}`)
    .action(
      run((_globals, _o, [shell]) => {
        // --version belongs to `rolegate` itself, not to its commands.
        const globals = optionSpecs(program).filter((o) => !o.flags.includes('--version'));
        out.stdout(completionScript(String(shell), completionSpecs(program), globals, cliArgv()));
        return Promise.resolve();
      }),
    );
}

function optionSpecs(command: Command): CompletionSpec['options'] {
  return command.options.map((o) => ({
    flags: [o.long, o.short].filter((f): f is string => typeof f === 'string'),
    description: o.description,
    takesValue: o.required || o.optional,
  }));
}

function completionSpecs(program: Command): CompletionSpec[] {
  return program.commands.map((c) => {
    const fixed: Record<string, string[]> = { completion: [...SHELLS], 'shell-init': [...INIT_SHELLS], eks: ['token'] };
    const values = fixed[c.name()];
    return {
      name: c.name(),
      aliases: c.aliases(),
      description: c.description(),
      options: [...optionSpecs(c), ...c.commands.flatMap(optionSpecs)],
      ...(values ? { values } : {}),
      ...(ROLE_COMMANDS.has(c.name()) ? { takesRole: true } : {}),
    };
  });
}
