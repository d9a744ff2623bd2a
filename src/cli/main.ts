#!/usr/bin/env node
// The `rolegate` bin. `credential-process` runs on every AWS CLI/SDK call, so
// it is dispatched by a plain argv check to a module that loads neither
// commander nor zod; everything else goes through commander.
import { isCredentialProcess } from './fast-path.js';

const args = process.argv.slice(2);
if (isCredentialProcess(args)) {
  const { runCredentialProcess } = await import('./commands/credential-process.js');
  process.exitCode = await runCredentialProcess(args);
} else {
  const { runProgram } = await import('./program.js');
  process.exitCode = await runProgram(process.argv);
}
