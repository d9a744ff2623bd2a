import { parentPort } from 'node:worker_threads';
import { parseAccessYaml } from './access-file.js';

/** The worker side of parseAccessFileOffThread: parses one access file and posts the result back. */
parentPort?.once('message', (text: string) => {
  parentPort?.postMessage(parseAccessYaml(text));
});
