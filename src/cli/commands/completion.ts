import { CliError, ExitCode } from '../errors.js';
import { shQuote, pwshQuote, fishQuote } from '../shell-formats.js';

/** A command as completion scripts need it. */
export interface CompletionSpec {
  name: string;
  aliases: string[];
  description: string;
  options: { flags: string[]; description: string; takesValue: boolean }[];
  /** Fixed positional values (e.g. the shells of `completion`). */
  values?: string[];
  /** Its positional is a role (`account/role`): completed from the local role list. */
  takesRole?: boolean;
}

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

/**
 * `rolegate completion bash|zsh|fish|powershell`: a script to source (see
 * docs/cli.md). Commands and options are in the script; accounts and roles
 * come from `rolegate __complete roles|accounts|role-names`, which reads the
 * local role list (roles.json, kept by `roles`, `configure` and the picker)
 * and never the network, so a Tab never waits on the broker.
 */
export function completionScript(
  shell: string,
  commands: CompletionSpec[],
  globals: CompletionSpec['options'],
  invocation: string[],
): string {
  switch (shell) {
    case 'bash':
      return bash(commands, globals, invocation);
    case 'zsh':
      return zsh(commands, globals, invocation);
    case 'fish':
      return fish(commands, globals, invocation);
    case 'powershell':
    case 'pwsh':
      return powershell(commands, globals, invocation);
    default:
      throw new CliError(ExitCode.usage, `no completion for ${shell.slice(0, 40)}; choose one of ${SHELLS.join(', ')}`);
  }
}

const longFlags = (options: CompletionSpec['options']) => options.flatMap((o) => o.flags.filter((f) => f.startsWith('--')));
const quoteSingle = (text: string) => text.replace(/'/g, `'\\''`);
const names = (c: CompletionSpec) => [c.name, ...c.aliases];

function bash(commands: CompletionSpec[], globals: CompletionSpec['options'], invocation: string[]): string {
  const all = commands.flatMap(names);
  const cases = commands
    .map(
      (c) =>
        `    ${names(c).join('|')}) words_for="${[...longFlags(c.options), ...longFlags(globals), '--help', ...(c.values ?? [])].join(' ')}"${c.takesRole ? '; roles=1' : ''} ;;`,
    )
    .join('\n');
  const cli = invocation.map(shQuote).join(' ');
  return `# rolegate bash completion: source <(rolegate completion bash)
_rolegate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command="" i words_for roles=""
  case "$prev" in
    --account) COMPREPLY=($(compgen -W "$(${cli} __complete accounts 2>/dev/null)" -- "$cur")); return ;;
    --role) COMPREPLY=($(compgen -W "$(${cli} __complete role-names 2>/dev/null)" -- "$cur")); return ;;
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --broker|--account|--role|--format|--cluster|--region) ((i++)) ;;
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$command" in
    "") words_for="${[...all, ...longFlags(globals), '--help', '--version'].join(' ')}" ;;
${cases}
    *) words_for="" ;;
  esac
  if [[ -n "$roles" && "$cur" != -* ]]; then words_for="$words_for $(${cli} __complete roles 2>/dev/null)"; fi
  COMPREPLY=($(compgen -W "$words_for" -- "$cur"))
}
complete -o default -F _rolegate rolegate
`;
}

function zsh(commands: CompletionSpec[], globals: CompletionSpec['options'], invocation: string[]): string {
  const describe = commands.flatMap((c) => names(c).map((n) => `'${n}:${quoteSingle(c.description).replace(/:/g, '\\:')}'`)).join(' ');
  const valueOf = (flag: string) =>
    flag === '--account' ? ':account:_rolegate_accounts' : flag === '--role' ? ':role:_rolegate_role_names' : ':value:';
  const spec = (o: CompletionSpec['options'][number]) =>
    o.flags
      .filter((f) => f.startsWith('--'))
      .map((f) => `'${f}[${quoteSingle(o.description).replace(/[[\]]/g, '')}]${o.takesValue ? valueOf(f) : ''}'`)
      .join(' ');
  const cases = commands
    .map((c) => {
      const positional = c.values ? ` '1:value:(${c.values.join(' ')})'` : c.takesRole ? " '1:role:_rolegate_roles'" : '';
      return `    ${names(c).join('|')}) _arguments ${[...c.options, ...globals].map(spec).join(' ')}${positional} ;;`;
    })
    .join('\n');
  const cli = invocation.map(shQuote).join(' ');
  return `#compdef rolegate
# rolegate zsh completion: source <(rolegate completion zsh)  (after compinit)
_rolegate_roles() { local -a r; r=(\${(f)"$(${cli} __complete roles 2>/dev/null)"}); compadd -a r; }
_rolegate_accounts() { local -a r; r=(\${(f)"$(${cli} __complete accounts 2>/dev/null)"}); compadd -a r; }
_rolegate_role_names() { local -a r; r=(\${(f)"$(${cli} __complete role-names 2>/dev/null)"}); compadd -a r; }
_rolegate() {
  local -a commands
  commands=(${describe})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words; (( CURRENT-- ))
  case "$words[1]" in
${cases}
  esac
}
compdef _rolegate rolegate
`;
}

function fish(commands: CompletionSpec[], globals: CompletionSpec['options'], invocation: string[]): string {
  const cli = invocation.map(fishQuote).join(' ');
  const lines = ['# rolegate fish completion: rolegate completion fish | source', 'complete -c rolegate -f'];
  const all = commands.flatMap(names).join(' ');
  for (const c of commands) {
    const seen = `__fish_seen_subcommand_from ${names(c).join(' ')}`;
    for (const name of names(c)) {
      lines.push(`complete -c rolegate -n "not __fish_seen_subcommand_from ${all}" -a ${name} -d '${quoteSingle(c.description)}'`);
    }
    for (const o of c.options) {
      for (const flag of o.flags.filter((f) => f.startsWith('--'))) {
        const values =
          flag === '--account'
            ? ` -a "(${cli} __complete accounts 2>/dev/null)"`
            : flag === '--role'
              ? ` -a "(${cli} __complete role-names 2>/dev/null)"`
              : '';
        lines.push(
          `complete -c rolegate -n "${seen}" -l ${flag.slice(2)}${o.takesValue ? ' -r' : ''}${values} -d '${quoteSingle(o.description)}'`,
        );
      }
    }
    if (c.values) lines.push(`complete -c rolegate -n "__fish_seen_subcommand_from ${c.name}" -a '${c.values.join(' ')}'`);
    if (c.takesRole) lines.push(`complete -c rolegate -n "${seen}" -a "(${cli} __complete roles 2>/dev/null)"`);
  }
  for (const o of globals) {
    for (const flag of o.flags.filter((f) => f.startsWith('--'))) {
      lines.push(`complete -c rolegate -l ${flag.slice(2)}${o.takesValue ? ' -r' : ''} -d '${quoteSingle(o.description)}'`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function powershell(commands: CompletionSpec[], globals: CompletionSpec['options'], invocation: string[]): string {
  const [file = 'rolegate', ...rest] = invocation;
  const cli = `& ${pwshQuote(file)}${rest.map((w) => ` ${pwshQuote(w)}`).join('')}`;
  const table = commands
    .flatMap((c) =>
      names(c).map(
        (n) =>
          `    ${pwshQuote(n)} = @{ options = @(${[...longFlags(c.options), ...longFlags(globals), '--help'].map(pwshQuote).join(', ')}); values = @(${(c.values ?? []).map(pwshQuote).join(', ')}); roles = $${c.takesRole ? 'true' : 'false'} }`,
      ),
    )
    .join('\n');
  return `# rolegate PowerShell completion: rolegate completion powershell | Out-String | Invoke-Expression   (in $PROFILE)
Register-ArgumentCompleter -Native -CommandName rolegate -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @{
${table}
  }
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -First ($words.Count - 1)) }
  $previous = if ($words.Count -gt 0) { $words[-1] } else { '' }
  $command = $words | Where-Object { -not $_.StartsWith('-') } | Select-Object -First 1
  $candidates = @()
  if ($previous -eq '--account') { $candidates = @(${cli} __complete accounts 2>$null) }
  elseif ($previous -eq '--role') { $candidates = @(${cli} __complete role-names 2>$null) }
  elseif (-not $command) { $candidates = @($commands.Keys) + @(${longFlags(globals).map(pwshQuote).join(', ')}, '--help', '--version') }
  elseif ($commands.ContainsKey($command)) {
    $spec = $commands[$command]
    $candidates = $spec.options + $spec.values
    if ($spec.roles -and -not $wordToComplete.StartsWith('-')) { $candidates += @(${cli} __complete roles 2>$null) }
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | Sort-Object -Unique | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}
