import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads a PEM bundle of certificate authorities (a private CA, or a cloud
 * provider's bundle such as RDS's global-bundle.pem) and checks that every
 * certificate in it parses, so a wrong path or a truncated file is reported at
 * start-up rather than as a TLS error on the first connection. Returns the PEM
 * text, or a reason that fits after "cannot use <path>: ".
 */
export function readCaBundle(path: string): { pem: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return { problem: `cannot read ${path}: ${reason}` };
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { problem: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return { problem: `${path}: certificate ${String(index + 1)} of ${String(blocks.length)} is not a valid certificate (${(error as Error).message})` };
    }
  }
  return { pem: blocks.join('\n') + '\n' };
}
