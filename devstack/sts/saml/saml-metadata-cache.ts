import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SamlMetadataSource } from '../../config/devstack-config-schema.js';
import { fetchLoopback } from '../../support/loopback.js';
import { parseSamlMetadata, type SamlIdpMetadata } from './saml-metadata.js';

/** Do not fetch a metadata URL again within this time, however many signatures fail. */
const REFETCH_INTERVAL_MS = 1000;

/**
 * SAML provider metadata, loaded lazily: rolegate's own `/saml/metadata` only
 * exists once rolegate runs, and its key may be generated on first start.
 * URL metadata is fetched again when a signature does not verify, so a
 * rotated key is picked up (at most once per second per URL).
 */
export class SamlMetadataCache {
  private readonly cache = new Map<string, { metadata: SamlIdpMetadata; fetchedAt: number }>();

  /** `baseDir`: relative `file:` sources are resolved against it. */
  constructor(readonly baseDir: string) {}

  /** The metadata of a provider; throws (with a reason) when it cannot be loaded or parsed. */
  async get(source: SamlMetadataSource): Promise<SamlIdpMetadata> {
    const key = JSON.stringify(source);
    const cached = this.cache.get(key);
    if (cached) return cached.metadata;
    return this.load(source, key);
  }

  /** Reloads URL metadata after a failed signature check; returns undefined when nothing new can be had. */
  async refresh(source: SamlMetadataSource): Promise<SamlIdpMetadata | undefined> {
    if (!('url' in source)) return undefined;
    const key = JSON.stringify(source);
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.fetchedAt < REFETCH_INTERVAL_MS) return undefined;
    return this.load(source, key);
  }

  private async load(source: SamlMetadataSource, key: string): Promise<SamlIdpMetadata> {
    let xml: string;
    if ('xml' in source) xml = source.xml;
    else if ('file' in source) xml = await readFile(resolve(this.baseDir, source.file), 'utf8');
    else xml = await fetchLoopback(source.url);
    const metadata = parseSamlMetadata(xml);
    this.cache.set(key, { metadata, fetchedAt: Date.now() });
    return metadata;
  }
}
