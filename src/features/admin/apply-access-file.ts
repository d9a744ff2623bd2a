import { readFile } from 'node:fs/promises';
import { formatProblem, parseAccessYaml } from './access-file.js';
import type { AdminDeps } from './admin-deps.js';
import { applyAccess } from './apply-access.js';

/**
 * Applies ROLEGATE_ACCESS_FILE at start-up (after migrations, before the
 * access model is first loaded). Problems in the file stop the start: an
 * instance must not serve a model other than the one its operator wrote.
 * Returns the problems, one line each; empty when applied.
 */
export async function applyAccessFileAtStartup(deps: AdminDeps, path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return [
      `admin.accessFile (ROLEGATE_ACCESS_FILE): cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    ];
  }
  const parsed = parseAccessYaml(text);
  if (!parsed.ok) return parsed.problems.map((p) => `admin.accessFile (ROLEGATE_ACCESS_FILE): ${formatProblem(p, path)}`);
  const result = await applyAccess(
    deps,
    {
      principal: { id: 'rolegate:access-file', idp: 'rolegate', groups: [] },
      requestId: 'startup',
      userAgent: `rolegate start-up (${path})`,
      log: deps.logger,
    },
    parsed.document,
  );
  deps.logger.info({ path, ...result.summary }, result.applied ? 'access file applied' : 'access file applied: no changes');
  return [];
}
