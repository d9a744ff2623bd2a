/** The shells and file formats `rolegate env` can print for. */
export const ENV_FORMATS = ['sh', 'fish', 'powershell', 'json', 'dotenv'] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

export interface VariableChanges {
  set: [name: string, value: string][];
  unset: string[];
}

/** POSIX sh single quotes: nothing inside is special but `'` itself. */
export const shQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
/** fish single quotes: `\` and `'` are escaped with a backslash. */
export const fishQuote = (value: string) => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** PowerShell single quotes: `'` (and its typographic cousins, which PowerShell also takes as quotes) doubled. */
export const pwshQuote = (value: string) => `'${value.replace(/['‘’‚‛]/g, (c) => c + c)}'`;

/**
 * The lines that make a shell set and unset these variables. Values are
 * quoted for the shell (they are also checked to be printable ASCII by the
 * caller: they come from the broker). `dotenv` (docker --env-file, dotenv
 * libraries) takes values verbatim, so it only prints values that need no
 * quoting.
 */
export function formatVariables(format: Exclude<EnvFormat, 'json'>, changes: VariableChanges): string {
  const lines: string[] = [];
  switch (format) {
    case 'sh':
      for (const [name, value] of changes.set) lines.push(`export ${name}=${shQuote(value)}`);
      if (changes.unset.length > 0) lines.push(`unset ${changes.unset.join(' ')}`);
      break;
    case 'fish':
      for (const [name, value] of changes.set) lines.push(`set -gx ${name} ${fishQuote(value)};`);
      // `set -e` of an unset variable fails (status 4): guarded, so a successful env ends with status 0.
      for (const name of changes.unset) lines.push(`if set -q ${name}; set -e ${name}; end;`);
      break;
    case 'powershell':
      for (const [name, value] of changes.set) lines.push(`$Env:${name} = ${pwshQuote(value)}`);
      for (const name of changes.unset) lines.push(`Remove-Item Env:${name} -ErrorAction SilentlyContinue`);
      break;
    case 'dotenv':
      for (const [name, value] of changes.set) {
        if (!/^[\w+/=.:@,-]*$/.test(value)) throw new Error(`${name} cannot be written to a dotenv file unquoted`);
        lines.push(`${name}=${value}`);
      }
      break;
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
