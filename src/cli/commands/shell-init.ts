import { CliError, ExitCode } from '../errors.js';
import { pwshQuote, shQuote, fishQuote } from '../shell-formats.js';

export const INIT_SHELLS = ['bash', 'zsh', 'fish', 'pwsh'] as const;

export interface ShellInitOptions {
  /** The function's name (default `assume`, as Granted's). */
  name: string;
  /** Show `[account/role]` in front of the prompt while a role is assumed. */
  prompt: boolean;
  /** How to start this rolegate: argv words (e.g. the node binary and dist/cli/main.js). */
  invocation: string[];
}

/**
 * `rolegate shell-init bash|zsh|fish|pwsh`: a shell function that sets a
 * role's credentials in the calling shell (`assume sandbox/Developer`;
 * `assume` alone opens the picker; `assume --unset` clears them), plus a
 * prompt marker. The function only evaluates what `rolegate env` prints
 * (every value quoted for that shell), and only when it succeeded.
 */
export function shellInitScript(shell: string, options: ShellInitOptions): string {
  if (!/^[A-Za-z_][\w-]{0,63}$/.test(options.name)) {
    throw new CliError(ExitCode.usage, `--name must be a plain function name, got ${options.name.slice(0, 40)}`, 'e.g. --name assume');
  }
  switch (shell) {
    case 'bash':
    case 'zsh':
      return posix(shell, options);
    case 'fish':
      return fish(options);
    case 'pwsh':
      return pwsh(options);
    default:
      throw new CliError(ExitCode.usage, `no shell-init for ${shell.slice(0, 40)}; choose one of ${INIT_SHELLS.join(', ')}`);
  }
}

function posix(shell: 'bash' | 'zsh', { name, prompt, invocation }: ShellInitOptions): string {
  const cli = invocation.map(shQuote).join(' ');
  const promptSetup =
    shell === 'bash'
      ? // bash expands parameters in PS1 at each prompt; the role's value is not expanded again.
        `if [ -z "\${_ROLEGATE_PROMPT-}" ]; then _ROLEGATE_PROMPT=1; PS1='\${ROLEGATE_ROLE:+[\${ROLEGATE_ROLE}] }'"\${PS1-}"; fi`
      : // zsh: %9v prints psvar[9] literally (no prompt_subst needed, and a % in it is not a prompt escape).
        [
          '_rolegate_precmd() { psvar[9]="${ROLEGATE_ROLE:+[$ROLEGATE_ROLE] }"; }',
          'if [[ -z "${_ROLEGATE_PROMPT-}" ]]; then _ROLEGATE_PROMPT=1; typeset -ga precmd_functions; precmd_functions+=(_rolegate_precmd); PROMPT="%9v$PROMPT"; fi',
        ].join('\n');
  return `# rolegate ${shell} integration: eval "$(rolegate shell-init ${shell})" in ~/.${shell}rc
${name}() {
  local _rolegate_out
  case "\${1-}" in
    -u|--unset) _rolegate_out="$(${cli} env --unset --format sh)" || return ;;
    *) _rolegate_out="$(${cli} env --format sh "$@")" || return ;;
  esac
  eval "$_rolegate_out"
}
${prompt ? promptSetup : ''}
`;
}

function fish({ name, prompt, invocation }: ShellInitOptions): string {
  const cli = invocation.map(fishQuote).join(' ');
  const promptSetup = `if not functions -q _rolegate_fish_prompt
  functions -c fish_prompt _rolegate_fish_prompt
  function _rolegate_status; return $argv[1]; end
  function fish_prompt
    set -l last_status $status
    if set -q ROLEGATE_ROLE; printf '[%s] ' $ROLEGATE_ROLE; end
    _rolegate_status $last_status
    _rolegate_fish_prompt
  end
end`;
  return `# rolegate fish integration: rolegate shell-init fish | source   (in ~/.config/fish/config.fish)
function ${name} --description 'rolegate: set a role\\'s AWS credentials in this shell'
  if contains -- "$argv[1]" -u --unset
    set -f out (${cli} env --unset --format fish); or return
  else
    set -f out (${cli} env --format fish $argv); or return
  end
  printf '%s\\n' $out | source
end
${prompt ? promptSetup : ''}
`;
}

function pwsh({ name, prompt, invocation }: ShellInitOptions): string {
  const [file = 'rolegate', ...rest] = invocation;
  const cli = `& ${pwshQuote(file)}${rest.map((w) => ` ${pwshQuote(w)}`).join('')}`;
  const promptSetup = `if (-not (Test-Path Function:\\_RolegateOriginalPrompt)) {
  Copy-Item Function:\\prompt Function:\\global:_RolegateOriginalPrompt
  function global:prompt { $(if ($Env:ROLEGATE_ROLE) { "[$($Env:ROLEGATE_ROLE)] " } else { '' }) + (_RolegateOriginalPrompt) }
}`;
  return `# rolegate PowerShell integration: rolegate shell-init pwsh | Out-String | Invoke-Expression   (in $PROFILE)
function global:${name} {
  if ($args.Count -gt 0 -and ($args[0] -eq '-u' -or $args[0] -eq '--unset')) { $out = ${cli} env --unset --format powershell }
  else { $out = ${cli} env --format powershell @args }
  if ($LASTEXITCODE -ne 0) { return }
  Invoke-Expression ($out -join [Environment]::NewLine)
}
${prompt ? promptSetup : ''}
`;
}
