import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgresql:// URL on loopback; accepts one connection at a time. */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), persisted in `dataDir/pgdata`
 * and served on a loopback port so the same pg driver, migrations and Prisma
 * client work unchanged. PGlite is a single session: callers must use a pool
 * of one connection. A lock file keeps a second rolegate from opening the
 * same directory.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const releaseLock = lockDirectory(path.resolve(dataDir, 'pgdata.lock'));
  try {
    const db = await PGlite.create(dir);
    // pglite-socket closes a connection after any query error; the pool (one
    // connection: PGlite is a single session) then reconnects while the old
    // socket is still being torn down. A second slot lets that reconnection in
    // instead of failing the next query with "Connection terminated unexpectedly".
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres`,
      dataDir: dir,
      async close() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

function lockDirectory(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `the embedded database in ${path.dirname(lockPath)} is in use by process ${String(owner)}; stop it or set ROLEGATE_DATA_DIR`,
        );
      }
      rmSync(lockPath, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(`cannot lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
