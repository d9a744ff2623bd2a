import type { SigningKeyPurpose } from '../../ports/signing-key-store.js';
import type { DatabaseSigningKeys } from './database-signing-keys.js';

export const ROTATION_USAGE = `usage: npm run keys -- <command> [saml|jwt]
  status           list the published signing keys and their state
  prepare [p]      create the next key (published in /saml/metadata and the JWKS, not signing yet)
  promote [p]      make the next key sign; the old one stays published until its last assertion expired
  purge            delete retired keys that are no longer published`;

/**
 * The operator's side of signing-key rotation (docs/exchange.md). Returns the
 * lines to print, or throws a one-line reason. Never prints key material.
 */
export async function runRotationCommand(keys: DatabaseSigningKeys, args: readonly string[]): Promise<string[]> {
  const [command, purposeArg, ...rest] = args;
  if (rest.length > 0 || (purposeArg !== undefined && purposeArg !== 'saml' && purposeArg !== 'jwt')) throw new Error(ROTATION_USAGE);
  const purposes: SigningKeyPurpose[] = purposeArg === undefined ? ['saml', 'jwt'] : [purposeArg];
  switch (command) {
    case 'status':
      return status(keys, purposes);
    case 'prepare': {
      const lines: string[] = [];
      for (const purpose of purposes)
        lines.push(`${purpose}: next key ${(await keys.prepareNext(purpose)).kid} is published and not signing yet`);
      lines.push(
        'Next: update every IAM SAML provider with the new metadata (GET /saml/metadata; `aws iam update-saml-provider`), let AWS pick up the JWKS (web identity), then run `npm run keys -- promote`.',
      );
      return lines;
    }
    case 'promote': {
      const lines: string[] = [];
      for (const purpose of purposes) {
        const promoted = await keys.promote(purpose);
        lines.push(promoted ? `${purpose}: key ${promoted.kid} signs from now on` : `${purpose}: there is no next key; run prepare first`);
      }
      return [...lines, ...(await status(keys, purposes))];
    }
    case 'purge':
      return [`deleted ${String(await keys.purge())} retired keys no longer published`];
    default:
      throw new Error(ROTATION_USAGE);
  }
}

async function status(keys: DatabaseSigningKeys, purposes: SigningKeyPurpose[]): Promise<string[]> {
  const lines: string[] = [];
  for (const purpose of purposes) {
    for (const key of await keys.published(purpose)) lines.push(`${purpose}\t${key.state}\t${key.kid}`);
  }
  return lines;
}
