import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { testRedisUrl } from './env.js';

export { testRedisUrl };

/** A key prefix no other test file uses. */
export function uniqueRedisPrefix(): string {
  return `rolegate-test:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (test clean-up). */
export async function deleteRedisKeys(prefix: string, url = testRedisUrl): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}

/** Reads a raw Redis value by its full key (to check what is stored at rest). */
export async function rawRedisGet(fullKey: string, url = testRedisUrl): Promise<string | null> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await client.get(fullKey);
  } finally {
    await client.close();
  }
}
