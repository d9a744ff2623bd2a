import path from 'node:path';

/**
 * How other programs (the AWS CLI, kubectl, a shell function) should start
 * this very rolegate, as argv words: the installed `rolegate` bin by its
 * path, else `node` and the script (e.g. a checkout's dist/cli/main.js).
 * Absolute, since credential_process and kubeconfig allow no `~` or variables.
 */
export function cliArgv(script = process.argv[1] ?? 'rolegate', node = process.execPath): string[] {
  const absolute = path.resolve(script);
  return path.basename(absolute) === 'rolegate' ? [absolute] : [node, absolute];
}
