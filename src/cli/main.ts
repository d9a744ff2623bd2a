#!/usr/bin/env node
// The `rolegate` bin. `credential-process` runs on every AWS CLI/SDK call, so
// it is dispatched by a plain argv check to a module that loads neither
// commander nor zod; everything else goes through commander. The fast path
// is imported statically: the ESM loader then fetches its whole (small)
// module graph in one go instead of one round per level after main.js ran.
// `__complete` (the shell completion scripts' helper, on every Tab) is
// small and loaded on its own.
import { runCredentialProcess } from './commands/credential-process.js';
import { commandWord, isCredentialProcess } from './fast-path.js';

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
