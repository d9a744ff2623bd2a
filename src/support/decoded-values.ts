/**
 * What stored texts decoded to (parsed JSON, opened seals), per key, handed
 * back while the store returns the very same text. A changed text is decoded
 * again, so an answer can never be older than the store's; with the Redis
 * near cache the text is usually the same string, and the check costs almost
 * nothing. Decoded values are frozen: every request shares them.
 */
export class DecodedValues<T extends object> {
  readonly #entries = new Map<string, { text: string; value: T }>();

  constructor(private readonly maxEntries: number) {}

  decode(key: string, text: string, decode: (text: string) => T): T {
    const known = this.#entries.get(key);
    if (known !== undefined && known.text === text) return known.value;
    const value = deepFreeze(decode(text));
    if (known === undefined && this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { text, value });
    return value;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
