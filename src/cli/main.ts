#!/usr/bin/env node
// The `rolegate` bin. `credential-process` runs on every AWS CLI/SDK call, so
// it is dispatched by a plain argv check to a module that loads neither
// commander nor zod; everything else goes through commander. The fast path
// is imported statically: the ESM loader then fetches its whole (small)
// module graph in one go instead of one round per level after main.js ran.
// `__complete` (the shell completion scripts' helper, on every Tab) is
// small and loaded on its own. What loads after this module ran (the cold
// path's auth modules, commander and the command that runs) comes from
// Node's compile cache (compile-cache.ts).
//
// Modules on the credential-process path (warm and cold) take node:fs and
// node:http with process.getBuiltinModule(), not an ESM import: the ESM
// facade of a built-in reads every one of its exports, so `import … from
// 'node:fs'` runs fs's lazy getters (fs/promises, streams, readline: 34
// internal modules) and `import('node:http')` runs http's WebSocket getter
// (undici with http2, zlib, worker_threads…). test/e2e/cli-basics.test.ts
// lists what a cache miss may load.
import { runCredentialProcess } from './commands/credential-process.js';
import { enableCliCompileCache } from './compile-cache.js';
import { commandWord, isCredentialProcess } from './fast-path.js';

enableCliCompileCache();
const args = process.argv.slice(2);
if (isCredentialProcess(args)) {
  process.exitCode = await runCredentialProcess(args);
} else if (commandWord(args) === '__complete') {
  const { runComplete } = await import('./commands/complete.js');
  process.exitCode = runComplete(args);
} else {
  const { runProgram } = await import('./program.js');
  process.exitCode = await runProgram(process.argv);
}
