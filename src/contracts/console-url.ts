import { z } from 'zod';
import { exactlyOneAccount, roleRequestFields } from './credentials.js';

/**
 * `POST /api/v1/console-url` — a one-time AWS console sign-in URL for one role.
 * Shared by the portal's Console button, the API and `rolegate console`.
 */
export const consoleUrlRequestSchema = z
  .strictObject({
    ...roleRequestFields,
    /** Where the console opens; only the partition's console host is allowed. Default: the account region's console home. */
    destination: z.string().min(1).max(2048).optional(),
    /** Console session length (SessionDuration), 900–43200; ignored for chained sessions (the answer says so). */
    durationSeconds: z.number().int().min(900).max(43_200).optional(),
  })
  .refine(...exactlyOneAccount);

export type ConsoleUrlRequest = z.infer<typeof consoleUrlRequestSchema>;

export interface ConsoleUrlResponse {
  account: { id: string; alias: string; partition: string };
  role: { name: string; arn: string };
  /** The federation `login` URL; it carries a sign-in token valid for 15 minutes. Open it once; never log it. */
  url: string;
  /** When the sign-in token in `url` stops working (ISO 8601 UTC). */
  expiresAt: string;
  /** The console session length sent as SessionDuration, when one was sent. */
  sessionDurationSeconds?: number;
  /** Why the duration or destination differs from the request (e.g. SessionDuration ignored for chained sessions). */
  notes: string[];
}
