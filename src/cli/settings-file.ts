import { CliError, ExitCode } from './errors.js';
import { readPrivateFile, writePrivateFile } from './secure-files.js';

/** `config.json` in the config directory. Every key is optional. */
export interface CliSettings {
  /** The broker's URL, e.g. https://rolegate.corp.example (overridden by ROLEGATE_URL and --broker). */
  broker?: string;
  /** Where the refresh token is kept: `file` (tokens.json, the default) or `keychain` (the OS keychain; `rolegate login --keychain`). */
  refreshTokenStore?: 'file' | 'keychain';
}

const KNOWN = ['broker', 'refreshTokenStore'];

/** The settings file, or {} when there is none. Like every CLI file, it must not be readable by others. */
export function readSettings(file: string): CliSettings {
  const text = readPrivateFile(file);
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(ExitCode.config, `${file} is not valid JSON: ${(error as Error).message}`, 'fix or delete the file');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(ExitCode.config, `${file} must hold a JSON object such as {"broker": "https://rolegate.example.com"}`);
  }
  const settings = parsed as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KNOWN.includes(key)) throw new CliError(ExitCode.config, `${file}: unknown key "${key}" (known: ${KNOWN.join(', ')})`);
  }
  if (settings.broker !== undefined && typeof settings.broker !== 'string') {
    throw new CliError(ExitCode.config, `${file}: "broker" must be a URL string`);
  }
  if (settings.refreshTokenStore !== undefined && settings.refreshTokenStore !== 'file' && settings.refreshTokenStore !== 'keychain') {
    throw new CliError(ExitCode.config, `${file}: "refreshTokenStore" must be "file" or "keychain"`);
  }
  return settings;
}

/** Saves settings (0600), keeping whatever else the file holds. */
export function saveSettings(file: string, changes: CliSettings): void {
  const current = readSettings(file);
  writePrivateFile(file, `${JSON.stringify({ ...current, ...changes }, null, 2)}\n`);
}
