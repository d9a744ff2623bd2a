import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { accessDocumentSchema, documentReferencesSchema, entrySchemas, type AccessDocument } from '../../domain/access-document.js';

/** One entry of the model after an edit: a stored one carries its id; the edited one, as sent, none. */
export interface ModelEntry {
  id?: string;
  entry: Record<string, unknown>;
}

/** The whole model after an edit, every section listed. */
export interface ModelInput {
  identityProviders: readonly ModelEntry[];
  accounts: readonly ModelEntry[];
  roles: readonly ModelEntry[];
  mappings: readonly ModelEntry[];
}

const SECTIONS = [
  ['identityProviders', entrySchemas.identityProvider],
  ['accounts', entrySchemas.account],
  ['roles', entrySchemas.role],
  ['mappings', entrySchemas.mapping],
] as const;

interface Known {
  entry: Record<string, unknown>;
  parsed: unknown;
}

/**
 * accessDocumentSchema.safeParse of the whole model after one edit, with the same
 * verdict, data and issues, without running every stored entry through its schema
 * again on each save (20,000 roles: most of a save's CPU). A document passes the
 * schema exactly when each entry passes its own schema (the document's arrays use
 * those same schemas) and the rules across entries hold (documentReferencesSchema).
 * So each stored entry is remembered by id with what its schema made of it, and
 * reused while its fields are still equal (compared, not trusted by version: an
 * account removed and added again starts at version 1); any other entry is parsed
 * alone. Any failure is answered by the whole document's parse, so every message
 * and path is accessDocumentSchema's. Remembers only the last check's entries, so
 * it never holds more than one parsed copy of the model.
 */
export class ModelCheck {
  /** By section, then id (a map per section: no key string is built per entry). */
  #known = new Map<string, Map<string, Known>>();

  parse(input: ModelInput): z.ZodSafeParseResult<AccessDocument> {
    const known = new Map<string, Map<string, Known>>();
    const data: Record<string, unknown> = { version: 1 };
    for (const [section, schema] of SECTIONS) {
      const knownBefore = this.#known.get(section);
      const knownNow = new Map<string, Known>();
      const out: unknown[] = [];
      for (const { id, entry } of input[section]) {
        const before = id === undefined ? undefined : knownBefore?.get(id);
        let parsed = before !== undefined && isDeepStrictEqual(before.entry, entry) ? before.parsed : undefined;
        if (parsed === undefined) {
          const result = schema.safeParse(entry);
          if (!result.success) return wholeDocument(input);
          parsed = result.data;
        }
        if (id !== undefined) knownNow.set(id, { entry, parsed });
        out.push(parsed);
      }
      known.set(section, knownNow);
      data[section] = out;
    }
    this.#known = known;
    const document = data as AccessDocument;
    return documentReferencesSchema.safeParse(document).success ? { success: true, data: document } : wholeDocument(input);
  }
}

function wholeDocument(input: ModelInput): z.ZodSafeParseResult<AccessDocument> {
  const entries = (list: readonly ModelEntry[]) => list.map((e) => e.entry);
  return accessDocumentSchema.safeParse({
    version: 1,
    identityProviders: entries(input.identityProviders),
    accounts: entries(input.accounts),
    roles: entries(input.roles),
    mappings: entries(input.mappings),
  });
}
