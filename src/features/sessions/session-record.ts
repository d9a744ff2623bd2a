import { z } from 'zod';
import type { AuthnFacts, Principal } from '../../domain/principal.js';
import { recordCodec } from '../../support/record-codec.js';
import type { IdpSessionRef, LoginSession } from './session-store.js';

const authnSchema: z.ZodType<AuthnFacts> = z.object({
  methods: z.array(z.string()),
  contextClass: z.string().optional(),
  mfa: z.boolean(),
  authenticatedAt: z.number(),
});

/** A Principal as stored with sessions, CLI grants' access tokens and pending sign-ins. */
export const principalSchema: z.ZodType<Principal> = z.object({
  id: z.string(),
  idp: z.string(),
  subject: z.string(),
  username: z.string(),
  email: z.string().optional(),
  displayName: z.string().optional(),
  groups: z.array(z.string()),
  authn: authnSchema,
});

export const idpSessionSchema: z.ZodType<IdpSessionRef> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('saml'), nameId: z.string(), nameIdFormat: z.string().optional(), sessionIndex: z.string().optional() }),
  z.object({ kind: z.literal('oidc') }),
]);

/** A login session in Redis (`session:<sha256 of the cookie>`). */
export const loginSessionRecord = recordCodec(
  'login session',
  z.object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    principal: principalSchema,
    idp: z.string().min(1),
    createdAt: z.number(),
    expiresAt: z.number(),
    csrfToken: z.string().min(1),
    idpSession: idpSessionSchema,
  }) satisfies z.ZodType<LoginSession>,
);
