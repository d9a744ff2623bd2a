import { z } from 'zod';
import { recordCodec } from '../../support/record-codec.js';
import { principalSchema } from '../sessions/session-record.js';
import type { CodeRecord, PendingConsent } from './authorize.js';
import type { DeviceDecision, DeviceRecord, RequestOrigin } from './device-flow.js';

// The CLI sign-in's short-lived records in Redis (docs/architecture.md, "Stored records").

const approvalFields = {
  clientId: z.string(),
  principal: principalSchema,
  loginSessionId: z.string(),
  sessionExpiresAt: z.number(),
};

const originSchema: z.ZodType<RequestOrigin> = z.object({ sourceIp: z.string().optional(), userAgent: z.string().optional() });

/** An authorization code's record (`cli-code:<sha256>`), taken once by the token exchange. */
export const codeRecord = recordCodec(
  'authorization code',
  z.object({ ...approvalFields, redirectUri: z.string(), codeChallenge: z.string() }) satisfies z.ZodType<CodeRecord>,
);

/** A request parked until the user answers the consent page (`cli-consent:<id>`). */
export const pendingConsentRecord = recordCodec(
  'pending CLI consent',
  z.object({
    request: z.object({ clientId: z.string(), redirectUri: z.string(), codeChallenge: z.string(), state: z.string() }),
    sessionId: z.string(),
  }) satisfies z.ZodType<PendingConsent>,
);

/** A pending device authorization (`cli-device:<sha256 of the device code>`). */
export const deviceRecord = recordCodec(
  'device authorization',
  z.object({
    clientId: z.string(),
    clientName: z.string(),
    deviceName: z.string(),
    userCode: z.string(),
    createdAt: z.number(),
    expiresAt: z.number(),
    interval: z.number().int().positive(),
    requester: originSchema.optional(),
  }) satisfies z.ZodType<DeviceRecord>,
);

/** The user's answer to a device code (`cli-device-decision:<sha256>`), read by the CLI's next poll. */
export const deviceDecisionRecord = recordCodec(
  'device decision',
  z.discriminatedUnion('approved', [
    z.object({ approved: z.literal(true), approver: originSchema.optional(), ...approvalFields }),
    z.object({ approved: z.literal(false) }),
  ]) satisfies z.ZodType<DeviceDecision>,
);
