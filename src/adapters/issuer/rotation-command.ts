import type { SigningKeyPurpose } from '../../ports/signing-key-store.js';
import type { DatabaseSigningKeys } from './database-signing-keys.js';

export const ROTATION_USAGE = `usage: npm run keys -- <command> [saml|jwt]
  status           list the published signing keys and their state
  prepare [p]      create the next key (published in /saml/metadata and the JWKS, not signing yet)
  promote [p] [--force] [--reader-role-name R]
                   make the next key sign; the old one stays published until its last assertion expired.
                   Refused while an IAM SAML provider lacks the next certificate, unless --force
  purge            delete retired keys that are no longer published`;

/** Checks, before the next SAML key signs, that AWS would accept it: the problems (empty: safe). */
export type NextSamlKeyGuard = (certificateBase64: string, readerRoleName: string | undefined) => Promise<string[]>;

/**
 * The operator's side of signing-key rotation (docs/exchange.md). Returns the
 * lines to print, or throws a one-line reason. Never prints key material.
 */
export async function runRotationCommand(
  keys: DatabaseSigningKeys,
  rawArgs: readonly string[],
  guard?: NextSamlKeyGuard,
): Promise<string[]> {
  const args = [...rawArgs];
  const force = takeFlag(args, '--force');
  const readerAt = args.indexOf('--reader-role-name');
  const readerRoleName = readerAt === -1 ? undefined : args.splice(readerAt, 2)[1];
  if (readerAt !== -1 && readerRoleName === undefined) throw new Error(ROTATION_USAGE);
  const [command, purposeArg, ...rest] = args;
  if ((force || readerAt !== -1) && command !== 'promote') throw new Error(ROTATION_USAGE);
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
      const next = (await keys.published('saml')).find((k) => k.state === 'next');
      if (purposes.includes('saml') && next && guard && !force) {
        const problems = await guard(certificateBase64(next.certificatePem), readerRoleName);
        if (problems.length > 0)
          throw new Error(
            `not promoting: AWS would refuse assertions signed with the next SAML key:\n${problems.map((p) => `  ${p}`).join('\n')}\n` +
              'Update each provider (`rolegate iam-template --format aws-cli`, or `aws iam update-saml-provider` with GET /saml/metadata), check with `rolegate doctor`, or pass --force.',
          );
      }
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

function takeFlag(args: string[], flag: string): boolean {
  const at = args.indexOf(flag);
  if (at === -1) return false;
  args.splice(at, 1);
  return true;
}

/** A certificate's base64 DER, as IAM SAML metadata holds it. */
function certificateBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
