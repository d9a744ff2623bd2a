import { createHmac, randomBytes } from 'node:crypto';
import { OrganizationsError } from './organizations-error.js';

/**
 * Opaque NextTokens bound to one list (action and its parameters), as AWS's are:
 * a token from another list or a tampered one is InvalidInputException
 * (INVALID_PAGINATION_TOKEN).
 */
export class Paging {
  private readonly key = randomBytes(32);

  page<T>(items: readonly T[], scope: string, nextToken: unknown, max: number): { items: T[]; nextToken?: string } {
    const start = nextToken === undefined || nextToken === null ? 0 : this.offset(nextToken, scope);
    const end = start + max;
    return { items: items.slice(start, end), ...(end < items.length ? { nextToken: this.token(scope, end) } : {}) };
  }

  private token(scope: string, offset: number): string {
    const body = String(offset);
    return Buffer.from(`${body}.${this.mac(scope, body)}`).toString('base64url');
  }

  private offset(token: unknown, scope: string): number {
    const invalid = new OrganizationsError(
      'InvalidInputException',
      'The provided pagination token is invalid.',
      400,
      'INVALID_PAGINATION_TOKEN',
    );
    if (typeof token !== 'string' || token.length > 1000) throw invalid;
    const [body = '', mac = ''] = Buffer.from(token, 'base64url').toString('utf8').split('.', 2);
    if (!/^\d{1,9}$/.test(body) || mac !== this.mac(scope, body)) throw invalid;
    return Number(body);
  }

  private mac(scope: string, body: string): string {
    return createHmac('sha256', this.key).update(`${scope}\n${body}`).digest('base64url').slice(0, 22);
  }
}
