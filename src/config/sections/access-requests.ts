import { z } from 'zod';
import { integer } from '../fields.js';

/** Just-in-time access (docs/just-in-time.md). Eligibility and approval policies live in the access model, not here. */
export const accessRequests = z
  .strictObject({
    pendingTtlSeconds: integer(300, 7 * 86_400)
      .default(86_400)
      .meta({
        env: ['ROLEGATE_ACCESS_REQUEST_TTL_SECONDS'],
        description:
          'How long an access request waits for its approvals. After that it is expired_unanswered: a decision then is refused (409) and the requester asks again.',
      }),
  })
  .prefault({});
