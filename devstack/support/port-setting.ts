/**
 * A port from an environment variable of a devstack program (`npm run devstack`,
 * `npm start`): the fallback when unset, else a port number; anything else
 * ends the program with one line naming the variable, and exit code 78.
 */
export function portSetting(program: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    process.stderr.write(`${program}: ${name}: expected a port from 0 to 65535, got ${value}\n`);
    process.exit(78);
  }
  return parsed;
}
