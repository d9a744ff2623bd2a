import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AccessDocument } from '../../domain/access-document.js';
import { formatProblem, parseAccessYaml } from '../../features/admin/access-file.js';
import { CliError, ExitCode } from '../errors.js';

/** The access-file schema versions this rolegate reads. */
export const KNOWN_VERSIONS = [1] as const;

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Reads and validates an access file as the broker would (problems as
 * `file:line:column path: message`, exit 15). A file of a schema version
 * this rolegate does not know is said to be so, before anything else.
 */
export function readAccessFile(file: string): { document: AccessDocument; text: string } {
  const text = readText(file);
  const version = versionOf(text);
  if (version !== undefined && !(KNOWN_VERSIONS as readonly unknown[]).includes(version)) {
    throw new CliError(
      ExitCode.invalidFile,
      `${file}: access file schema version ${JSON.stringify(version)} is not one this rolegate reads (it reads version ${KNOWN_VERSIONS.join(', ')})`,
      'compare files of the same schema version, or use the rolegate release that wrote the newer file',
    );
  }
  const parsed = parseAccessYaml(text);
  if (!parsed.ok) {
    throw new CliError(ExitCode.invalidFile, parsed.problems.map((p) => formatProblem(p, file)).join('; '));
  }
  return { document: parsed.document, text };
}

function versionOf(text: string): unknown {
  try {
    const data = parse(text, { maxAliasCount: 100 }) as unknown;
    return typeof data === 'object' && data !== null && 'version' in data ? data.version : undefined;
  } catch {
    return undefined; // the full parse reports it with its position
  }
}
