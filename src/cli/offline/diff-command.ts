import { diffEffectiveAccess } from '../../domain/access-diff.js';
import { formatEffective } from '../effective-format.js';
import type { Output } from '../output.js';
import { readAccessFile } from './read-access-file.js';

/**
 * `rolegate diff old.yaml new.yaml`: the change in effective access between
 * two access files (who gains or loses which role, conditions that tightened
 * or loosened). Offline: the domain's own diff, no broker and no sign-in.
 */
export function runDiff(options: { before: string; after: string; format: 'text' | 'json' | 'markdown' }, out: Output): void {
  const before = readAccessFile(options.before).document;
  const after = readAccessFile(options.after).document;
  const effective = diffEffectiveAccess(before, after);
  if (options.format === 'json') out.stdout(`${JSON.stringify({ effective }, null, 2)}\n`);
  else out.stdout(formatEffective(effective, options.format));
}
