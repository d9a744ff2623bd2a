import { CliError, ExitCode } from '../errors.js';

/** A command as completion scripts need it. */
export interface CompletionSpec {
  name: string;
  aliases: string[];
  description: string;
  options: { flags: string[]; description: string; takesValue: boolean }[];
  /** Fixed positional values (e.g. the shells of `completion`). */
  values?: string[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** `rolegate completion bash|zsh|fish`: a script to source (see docs/cli.md). */
export function completionScript(shell: string, commands: CompletionSpec[], globals: CompletionSpec['options']): string {
  switch (shell) {
    case 'bash':
      return bash(commands, globals);
    case 'zsh':
      return zsh(commands, globals);
    case 'fish':
      return fish(commands, globals);
    default:
      throw new CliError(ExitCode.usage, `no completion for ${shell.slice(0, 40)}; choose one of ${SHELLS.join(', ')}`);
  }
}

const longFlags = (options: CompletionSpec['options']) => options.flatMap((o) => o.flags.filter((f) => f.startsWith('--')));
const quoteSingle = (text: string) => text.replace(/'/g, `'\\''`);

function bash(commands: CompletionSpec[], globals: CompletionSpec['options']): string {
  const names = commands.flatMap((c) => [c.name, ...c.aliases]);
  const cases = commands
    .map(
      (c) =>
        `    ${[c.name, ...c.aliases].join('|')}) words_for="${[...longFlags(c.options), ...longFlags(globals), '--help', ...(c.values ?? [])].join(' ')}" ;;`,
    )
    .join('\n');
  return `# rolegate bash completion: source <(rolegate completion bash)
_rolegate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" command="" i words_for
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --broker) ((i++)) ;;
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$command" in
    "") words_for="${[...names, ...longFlags(globals), '--help', '--version'].join(' ')}" ;;
${cases}
    *) words_for="" ;;
  esac
  COMPREPLY=($(compgen -W "$words_for" -- "$cur"))
}
complete -o default -F _rolegate rolegate
`;
}

function zsh(commands: CompletionSpec[], globals: CompletionSpec['options']): string {
  const describe = commands
    .flatMap((c) => [c.name, ...c.aliases].map((n) => `'${n}:${quoteSingle(c.description).replace(/:/g, '\\:')}'`))
    .join(' ');
  const spec = (o: CompletionSpec['options'][number]) =>
    o.flags
      .filter((f) => f.startsWith('--'))
      .map((f) => `'${f}[${quoteSingle(o.description).replace(/[[\]]/g, '')}]${o.takesValue ? ':value:' : ''}'`)
      .join(' ');
  const cases = commands
    .map(
      (c) =>
        `    ${[c.name, ...c.aliases].join('|')}) _arguments ${[...c.options, ...globals].map(spec).join(' ')}${c.values ? ` '1:value:(${c.values.join(' ')})'` : ''} ;;`,
    )
    .join('\n');
  return `#compdef rolegate
# rolegate zsh completion: source <(rolegate completion zsh)  (after compinit)
_rolegate() {
  local -a commands
  commands=(${describe})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
${cases}
  esac
}
compdef _rolegate rolegate
`;
}

function fish(commands: CompletionSpec[], globals: CompletionSpec['options']): string {
  const lines = ['# rolegate fish completion: rolegate completion fish | source', 'complete -c rolegate -f'];
  const all = commands.flatMap((c) => [c.name, ...c.aliases]).join(' ');
  for (const c of commands) {
    for (const name of [c.name, ...c.aliases]) {
      lines.push(`complete -c rolegate -n "not __fish_seen_subcommand_from ${all}" -a ${name} -d '${quoteSingle(c.description)}'`);
    }
    for (const o of c.options) {
      for (const flag of o.flags.filter((f) => f.startsWith('--'))) {
        lines.push(
          `complete -c rolegate -n "__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}" -l ${flag.slice(2)}${o.takesValue ? ' -r' : ''} -d '${quoteSingle(o.description)}'`,
        );
      }
    }
    if (c.values) lines.push(`complete -c rolegate -n "__fish_seen_subcommand_from ${c.name}" -a '${c.values.join(' ')}'`);
  }
  for (const o of globals) {
    for (const flag of o.flags.filter((f) => f.startsWith('--'))) {
      lines.push(`complete -c rolegate -l ${flag.slice(2)}${o.takesValue ? ' -r' : ''} -d '${quoteSingle(o.description)}'`);
    }
  }
  return `${lines.join('\n')}\n`;
}
