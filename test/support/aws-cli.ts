import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A hang guard, not a speed check: each AWS CLI call is a Python start (0.5 s here when quiet,
// seconds on a loaded 2-core CI machine), and an IAM template script makes about 22 of them.
const AWS_CLI_BOUND_MS = 180_000;

/**
 * The real AWS CLI in `dir` of its own (no config, credentials or metadata from the machine),
 * signed with `key`, reaching `endpointUrl` through `dir`/aws: the `$AWS` the IAM template scripts
 * call. AWS CLI 2.9 has no AWS_ENDPOINT_URL, so that wrapper adds `--endpoint-url`.
 * `run` runs a program (`sh` on a script, or the wrapper) there and answers its trimmed stdout.
 */
export function awsCliSandbox(options: {
  dir: string;
  endpointUrl: string;
  key: { accessKeyId: string; secretAccessKey: string };
  env?: NodeJS.ProcessEnv;
}): { wrapper: string; run: (file: string, args: string[]) => Promise<string> } {
  const { dir } = options;
  const wrapper = join(dir, 'aws');
  writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/aws "$@" --endpoint-url ${options.endpointUrl}\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    AWS_ACCESS_KEY_ID: options.key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.key.secretAccessKey,
    AWS: wrapper,
    ...options.env,
  };
  const run = async (file: string, args: string[]) =>
    (await promisify(execFile)(file, args, { env, timeout: AWS_CLI_BOUND_MS })).stdout.trim();
  return { wrapper, run };
}
