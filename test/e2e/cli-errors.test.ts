import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHome, runCli, type CliHome } from '../support/cli-process.js';

/** docs/cli.md: every error is one `rolegate: …` line and one `hint: …` line on stderr, and nothing on stdout. */
function expectOneErrorAndHint(result: { stdout: string; stderr: string }): void {
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n');
  expect(lines, result.stderr).toHaveLength(3);
  expect(lines[0]).toMatch(/^rolegate: \S/);
  expect(lines[1]).toMatch(/^hint: \S/);
  expect(lines[2]).toBe('');
}

/** A home whose tokens.json says it is signed in to `broker` with a fresh access token (so no refresh happens). */
function signedInHome(broker: string): CliHome {
  const home = cliHome();
  writeFileSync(
    path.join(home.configDir, 'tokens.json'),
    JSON.stringify({
      version: 1,
      broker,
      clientId: 'rolegate-cli',
      accessToken: 'rgat_test',
      accessTokenExpiresAt: Date.now() + 600_000,
      refreshToken: 'rgrt_test',
      refreshTokenExpiresAt: Date.now() + 3_600_000,
      deviceName: 'test',
      obtainedAt: Date.now(),
    }),
    { mode: 0o600 },
  );
  return home;
}

describe('unknown commands', () => {
  it.each(['frobnicate --help', 'frobnicate -h', 'help frobnicate', '--debug rols --help', '--broker https://x.example frobnicate --help'])(
    'when `rolegate %s`, then it fails with exit 2 like the typo without --help, not with the top-level help',
    async (args) => {
      const result = await runCli(args.split(' '), cliHome());
      expect(result.code).toBe(2);
      expectOneErrorAndHint(result);
      expect(result.stderr).toMatch(/^rolegate: unknown command '(frobnicate|rols)'/);
    },
  );

  it('when the typo is close to a command, then the suggestion is kept with --help', async () => {
    const result = await runCli(['rols', '--help'], cliHome());
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('(Did you mean roles?)') as string });
  });
});

describe('broker URLs', () => {
  it.each([
    ['localhost:8080', 'must start with https:// (got localhost:8080)', 'did you mean https://localhost:8080?'],
    ['rolegate.corp.example', 'must start with https:// (got rolegate.corp.example)', 'did you mean https://rolegate.corp.example?'],
    ['127.0.0.1:8080/rolegate', 'must start with https:// (got 127.0.0.1:8080/rolegate)', 'https://127.0.0.1:8080/rolegate'],
    ['//rolegate.corp.example', 'must start with https://', 'did you mean https://rolegate.corp.example?'],
    ['ftp://rolegate.corp.example', 'must be https:// (got ftp://)', ''],
    ['javascript:alert(1)', 'must start with https://', ''],
    ['file:///etc/passwd', 'must be https:// (got file://)', ''],
    ['https://', 'is not a URL: https://', ''],
    ['https://rolegate.corp.example:99999', 'is not a URL', ''],
    ['https://alice:hunter2@rolegate.corp.example', 'must not carry credentials, a query or a fragment', ''],
    ['https://rolegate.corp.example/?next=x', 'must not carry credentials, a query or a fragment', ''],
    ['https://rolegate.corp\u0007.example', 'contains spaces, control or non-ASCII characters: https://rolegate.corp?.example', ''],
    ['https://rolegate.corp.example/a b', 'contains spaces, control or non-ASCII characters', ''],
    ['https://rôlegate.example', 'contains spaces, control or non-ASCII characters', 'xn--'],
    ['http://10.0.0.8', 'refusing to use the plain-http broker http://10.0.0.8', 'use https://'],
    [`https://${'a'.repeat(2000)}.example`, 'is longer than 1000 characters', ''],
  ])('when --broker %j, then exit 8 with one line that says what is wrong, and a hint', async (broker, message, hint) => {
    const result = await runCli(['whoami', '--broker', broker], cliHome());
    expect(result.code).toBe(8);
    expectOneErrorAndHint(result);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(hint);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr.length).toBeLessThan(800);
  });
});

/** A broker that answers every API call with the problem set for the test. */
let broker: Server;
let brokerUrl: string;
let answer: { status: number; body: string; type: string } = { status: 500, body: '', type: 'application/problem+json' };
beforeAll(async () => {
  broker = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  brokerUrl = `http://127.0.0.1:${String((broker.address() as AddressInfo).port)}`;
});
afterAll(() => {
  broker.close();
});

const problem = (status: number, extra: Record<string, unknown>) =>
  JSON.stringify({ type: 'urn:rolegate:error:x', title: 'x', status, detail: 'something went wrong', ...extra });

describe('broker errors', () => {
  const commands: [string, string[]][] = [
    ['credential-process', ['credential-process', '--account', 'prod', '--role', 'BreakGlass']],
    ['exec', ['exec', '--account', 'prod', '--role', 'BreakGlass', '--', 'true']],
    ['console', ['console', '--account', 'prod', '--role', 'BreakGlass', '--print']],
    ['env', ['env', 'prod/BreakGlass']],
  ];
  const cases: [string, number, string, number, string][] = [
    [
      'a break-glass role without a justification',
      400,
      problem(400, {
        code: 'invalid_request',
        detail: 'BreakGlass in prod is a break-glass role: give a justification of 10-1000 printable characters',
        reason: 'justification_required',
        breakGlass: true,
      }),
      2,
      'pass --justification',
    ],
    [
      'a justification the broker refuses',
      400,
      problem(400, {
        code: 'invalid_request',
        issues: [{ path: 'justification', message: 'a justification needs at least 10 characters' }],
      }),
      2,
      '--justification: a justification needs at least 10 characters',
    ],
    [
      'an unknown role',
      404,
      problem(404, { code: 'not_found', detail: 'No role BreakGlass in prod', reason: 'unknown_role' }),
      2,
      'No role',
    ],
    ['a refusal', 403, problem(403, { code: 'role_not_entitled', detail: 'Your groups do not entitle you' }), 5, 'do not entitle'],
    ['a server error', 500, problem(500, { code: 'server_error', requestId: 'req-123' }), 6, 'answered 500'],
    ['an outage', 503, problem(503, { code: 'dependency_unavailable', detail: 'Redis is unavailable' }), 6, 'answered 503'],
    [
      'rate limiting',
      429,
      problem(429, { code: 'rate_limited', detail: 'Too many attempts; try again in 42 s', retryAfterSeconds: 42 }),
      6,
      'hint: wait 42 s and retry',
    ],
    ['a proxy page', 502, '<html>Bad Gateway</html>', 6, 'HTTP 502'],
    ['a detail with terminal escapes', 500, problem(500, { detail: 'line one\nline two\u001b[31m red' }), 6, 'line one line two?[31m red'],
  ];
  for (const [command, args] of commands) {
    it.each(cases)(
      `when ${command} meets %s, then the exit code says which kind of failure and the error has its hint`,
      async (_what, status, body, code, text) => {
        answer = { status, body, type: body.startsWith('<') ? 'text/html' : 'application/problem+json' };
        const result = await runCli(args, signedInHome(brokerUrl));
        expect(result.code, result.stderr).toBe(code);
        expectOneErrorAndHint(result);
        expect(result.stderr).toContain(text);
      },
    );
  }

  it('when a server error has a request id, then the hint quotes it for the operators', async () => {
    answer = { status: 500, body: problem(500, { code: 'server_error', requestId: 'req-123' }), type: 'application/problem+json' };
    const result = await runCli(['roles'], signedInHome(brokerUrl));
    expect(result.stderr).toMatch(/^hint: .*request id req-123/m);
  });
});
