// Prisma CLI configuration. Prisma's CDN is unreachable from our build
// machines, so migrations run on the WebAssembly schema engine shipped in the
// npm package (`engine: "js"`) through the same pg driver adapter as runtime.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';
import { NameAsTextClient } from './src/adapters/db/name-as-text-client.js';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) return Promise.reject(new Error('DATABASE_URL must be set to run Prisma migrations'));
    // A short idle timeout lets the CLI exit sooner (the CLI never closes the pool).
    return Promise.resolve(new PrismaPg({ connectionString, Client: NameAsTextClient, max: 1, idleTimeoutMillis: 50 }));
  },
});
