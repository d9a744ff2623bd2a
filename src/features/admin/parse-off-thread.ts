import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseAccessYaml, type AccessFileResult } from './access-file.js';

/** Files shorter than this (characters) are parsed in place: a worker costs more than it saves. */
const OFF_THREAD_BYTES = 256 * 1024;

/**
 * Parses and validates an access file on a worker thread, so the event loop
 * of the instance receiving a large file keeps serving requests meanwhile
 * (4.8 MB of YAML is ~2 s of CPU). Same answer as parseAccessYaml: the worker
 * runs it and the result comes back by structured clone. Without a built
 * worker script (tests that run the TypeScript sources) the file is parsed
 * in place.
 */
export function parseAccessFileOffThread(
  text: string,
  workerScript: URL = new URL('./access-file-worker.js', import.meta.url),
): Promise<AccessFileResult> {
  const built = workerScript.protocol !== 'file:' || existsSync(fileURLToPath(workerScript));
  if (text.length < OFF_THREAD_BYTES || !built) return Promise.resolve(parseAccessYaml(text));
  return new Promise((resolve) => {
    const worker = new Worker(workerScript);
    let settled = false;
    // A worker that dies (out of memory on a huge file, say) is not retried in place: that would take this process down instead.
    const failed = (reason: string) => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, problems: [{ path: '', message: `the file could not be parsed: ${reason}` }] });
    };
    worker.once('message', (result: AccessFileResult) => {
      settled = true;
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (error: Error) => failed(error.message));
    worker.once('exit', (code) => failed(`the parser stopped (exit ${String(code)})`));
    worker.postMessage(text);
  });
}
