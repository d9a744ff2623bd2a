import type { ReviewProposalResponse } from '../../contracts/access-reviews.js';
import { diffAccess } from '../../domain/access-diff.js';
import { mappingKey } from '../../domain/access-document.js';
import { renderAccessYaml } from '../admin/access-file.js';
import { allEntries, getReview, type ReviewDeps } from './campaigns.js';
import { accessDocumentOf } from './usage-report.js';

/**
 * A campaign's removals as a proposed change of the access file, not a
 * database edit: the current access model with the removed mappings left out,
 * its diff (access-diff.ts), and the file to commit and apply. Removed user
 * entries cannot be written in the access file (it names groups): they are
 * listed as group memberships to end in the identity provider.
 */
export async function reviewProposal(deps: ReviewDeps, id: string): Promise<ReviewProposalResponse> {
  await getReview(deps, id);
  const removedMappings = new Set<string>();
  const groupMemberships: ReviewProposalResponse['groupMemberships'] = [];
  for await (const entry of allEntries(deps, id)) {
    if (entry.decision !== 'remove') continue;
    if (entry.kind === 'mapping') removedMappings.add(entry.mappingKey);
    else if (entry.principalId !== null) groupMemberships.push({ user: entry.principalId, group: entry.group, roleArn: entry.roleArn });
  }
  const current = await accessDocumentOf(deps.store);
  const proposed = { ...current, mappings: current.mappings.filter((m) => !removedMappings.has(mappingKey(m))) };
  const changes = diffAccess(current, proposed).map((c) => ({
    kind: c.kind,
    action: c.action,
    key: c.key,
    ...(c.before === undefined ? {} : { before: c.before }),
  }));
  return { changes, yaml: renderAccessYaml(proposed), groupMemberships };
}
