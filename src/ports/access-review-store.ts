import type { ReviewScopeKind, SurfaceCounts } from '../contracts/access-reviews.js';
import type { MappingEntry } from '../domain/access-document.js';
import type { AuditEvent } from './audit-log.js';

export interface StoredReview {
  id: string;
  scopeKind: ReviewScopeKind;
  scopeValue: string;
  state: 'open' | 'closed';
  sinceDays: number;
  entryCount: number;
  decided: number;
  openedBy: string;
  openedAt: Date;
  closedBy: string | null;
  closedAt: Date | null;
}

export interface NewReviewEntry {
  kind: 'mapping' | 'user';
  principalId: string | null;
  group: string;
  mappingKey: string;
  mapping: MappingEntry;
  accountId: string;
  roleArn: string;
  owners: string[];
  uses: number;
  lastUsedAt: Date | null;
  surfaces: SurfaceCounts;
}

export interface StoredReviewEntry extends NewReviewEntry {
  position: number;
  decision: 'confirm' | 'remove' | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  comment: string | null;
}

/** An undecided entry of an open review, with its review (the portal's "reviews waiting for you"). */
export interface WaitingEntry extends StoredReviewEntry {
  review: Pick<StoredReview, 'id' | 'scopeKind' | 'scopeValue' | 'openedBy' | 'openedAt'>;
}

/** Where a page of waiting entries ends: by review id, then position. */
export interface WaitingPosition {
  reviewId: string;
  position: number;
}

export interface Decision {
  decision: 'confirm' | 'remove';
  decidedBy: string;
  comment?: string;
}

/**
 * Review campaigns and their entries. Every write carries its audit events,
 * written in the same transaction (no decision without its record).
 */
export interface AccessReviewStore {
  open(
    review: { id: string; scopeKind: ReviewScopeKind; scopeValue: string; sinceDays: number; openedBy: string },
    entries: readonly NewReviewEntry[],
    audit: AuditEvent,
  ): Promise<StoredReview>;
  list(limit: number): Promise<StoredReview[]>;
  get(id: string): Promise<StoredReview | undefined>;
  /** Entries by position, after `after` (exclusive). */
  entries(id: string, after: number, limit: number): Promise<StoredReviewEntry[]>;
  entry(id: string, position: number): Promise<StoredReviewEntry | undefined>;
  /**
   * The undecided entries of open reviews whose account names one of `ownerGroups` among its
   * owners, by review id then position, after `after` (exclusive).
   */
  waitingFor(ownerGroups: readonly string[], after: WaitingPosition | undefined, limit: number): Promise<WaitingEntry[]>;
  /**
   * Decides one undecided entry of an open review, atomically: `decided` false
   * when it was decided already (by someone else, at once) or the review is closed.
   */
  decide(id: string, position: number, decision: Decision, audit: AuditEvent): Promise<{ decided: boolean }>;
  /** Closes an open review: false when it was closed already. */
  close(id: string, closedBy: string, audit: AuditEvent): Promise<boolean>;
}
