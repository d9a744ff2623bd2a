import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import type { RefreshSettings } from '../refresh-settings.js';
import type { RoleRequest } from '../role-credentials.js';
import { handleEcs } from '../serve/ecs-endpoint.js';
import { handleImds } from '../serve/imds-endpoint.js';
import { isLoopback } from '../serve/request-guard.js';
import { ServedRole } from '../serve/served-role.js';
import { shQuote } from '../shell-formats.js';

export interface ServeOptions {
  protocol: 'ecs' | 'imds';
  /** The role to serve (required for imds); for ecs without it the path names it: `/role/<account>/<role>`. */
  role?: RoleRequest;
  port: number;
  /** ecs only: the address to listen on (default 127.0.0.1). */
  bind?: string;
  settings: RefreshSettings;
}

/** Hosts the SDKs accept for the container endpoint over plain http (besides loopback); any other must be https. */
const SDK_PLAIN_HTTP_HOSTS = ['169.254.170.2', '169.254.170.23', 'fd00:ec2::23'];

/**
 * `rolegate serve --ecs | --imds`: a local credentials endpoint for
 * long-running programs and tools without credential_process. Credentials
 * are refreshed in the background ahead of the margin, so a request never
 * waits on the broker once a role has been served (SDKs give these
 * endpoints 1-2 s). Runs until SIGINT/SIGTERM.
 *
 * --ecs: the container credentials endpoint (every request must carry the
 * random token), on 127.0.0.1 or, with --bind, the address containers reach.
 * --imds: IMDSv2 on 127.0.0.1 only (serve/imds-endpoint.ts).
 */
export async function runServe(ctx: CliContext, options: ServeOptions, out: Output): Promise<void> {
  const address = listenAddress(options);
  if (options.protocol === 'imds' && !options.role) throw new CliError(ExitCode.usage, 'serve --imds needs a role');
  const roles = new Map<string, ServedRole>();
  const served = (request: RoleRequest) => {
    const key = `${request.account}\n${request.role}\n${String(request.durationSeconds ?? '')}`;
    let role = roles.get(key);
    if (!role) {
      role = new ServedRole(ctx, request, options.settings, out);
      roles.set(key, role);
    }
    return role;
  };
  // Fail now (not signed in, not entitled) rather than on the first SDK call.
  if (options.role) await served(options.role).current();

  const token = randomBytes(32).toString('base64url');
  const tokens = new Map<string, number>();
  let port = options.port;
  const server = createServer((req, res) => {
    const handled =
      options.protocol === 'ecs'
        ? handleEcs(req, res, { token, ...(options.role ? { fixed: options.role } : {}), served, ctx })
        : handleImds(req, res, {
            role: served(options.role as RoleRequest),
            roleName: options.role?.role ?? '',
            address,
            port,
            ctx,
            tokens,
          });
    handled.catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          ExitCode.usage,
          `cannot listen on ${address}:${String(options.port)}: ${error.code ?? error.message}`,
          error.code === 'EADDRNOTAVAIL' ? 'give --bind an address of this machine' : 'pick another --port or 0 for any free one',
        ),
      ),
    );
    server.listen(options.port, address, resolve);
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${String(port)}`;
  out.stdout(exportLines(options, base, token));
  out.stderr(
    `Serving ${options.protocol === 'ecs' ? 'container credentials' : 'instance metadata (IMDSv2)'} on ${base} until interrupted (Ctrl-C).\n`,
  );
  if (options.protocol === 'ecs' && !isLoopback(address) && !SDK_PLAIN_HTTP_HOSTS.includes(address)) {
    out.stderr(
      `rolegate: note: the AWS SDKs and CLI accept this endpoint over plain http only at a loopback address or ${SDK_PLAIN_HTTP_HOSTS.join(', ')};\n` +
        `  a container must reach it through one of those (e.g. docker run --network host with the default 127.0.0.1), or an https proxy in front of ${base}.\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const role of roles.values()) role.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** 127.0.0.1, or the --bind address (an IP of one interface: not a name, not every interface). */
function listenAddress(options: ServeOptions): string {
  if (options.bind === undefined) return '127.0.0.1';
  if (options.protocol === 'imds') {
    throw new CliError(ExitCode.usage, '--bind is for --ecs only: the IMDS endpoint has no token and stays on 127.0.0.1');
  }
  const address = options.bind.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0) throw new CliError(ExitCode.usage, `--bind needs an IP address, got ${options.bind.slice(0, 60)}`);
  if (address === '0.0.0.0' || address === '::' || /^0+(\.0+){3}$/.test(address) || /^[0:]+$/.test(address)) {
    throw new CliError(
      ExitCode.usage,
      `refusing --bind ${address}: that is every interface, the whole network could ask for the token`,
      'bind to the one address your containers reach, e.g. the docker0 bridge 172.17.0.1',
    );
  }
  return address;
}

/**
 * The lines to paste (valid POSIX sh: nothing that is not a command or a
 * comment). Without a fixed role, each program names its role in the path,
 * so the URI is shown as a comment with placeholders.
 */
function exportLines(options: ServeOptions, base: string, token: string): string {
  if (options.protocol === 'imds') {
    return `export AWS_EC2_METADATA_SERVICE_ENDPOINT=${shQuote(`${base}/`)}\nunset AWS_EC2_METADATA_DISABLED\n`;
  }
  const tokenLine = `export AWS_CONTAINER_AUTHORIZATION_TOKEN=${token}\n`;
  if (options.role) return `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${base}/\n${tokenLine}`;
  return (
    `${tokenLine}# Each program names its role in the path, e.g.:\n` +
    `#   AWS_CONTAINER_CREDENTIALS_FULL_URI=$ROLEGATE_CREDENTIALS_BASE_URI/sandbox/Developer aws sts get-caller-identity\n` +
    `export ROLEGATE_CREDENTIALS_BASE_URI=${base}/role\n`
  );
}
