import { describe, expect, it } from 'vitest';
import { consoleDestinationFor, consoleUrlFor, signinTokenRequestFor, standInDestinationFor } from '../../../src/domain/console-url.js';
import { Secret } from '../../../src/domain/secret.js';

const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: new Secret('s3cr3t/key+'), sessionToken: new Secret('tok&en=') };

describe('signinTokenRequestFor', () => {
  it('when built, then it posts getSigninToken with the session JSON to the partition federation endpoint', () => {
    const request = signinTokenRequestFor({ partition: 'aws', credentials, chained: false });
    expect(request.url).toBe('https://signin.aws.amazon.com/federation');
    const form = new URLSearchParams(request.body.reveal());
    expect(form.get('Action')).toBe('getSigninToken');
    expect(JSON.parse(form.get('Session') ?? '')).toEqual({ sessionId: 'ASIAEXAMPLE', sessionKey: 's3cr3t/key+', sessionToken: 'tok&en=' });
    expect(form.has('SessionDuration')).toBe(false);
    expect(JSON.stringify(request)).not.toContain('s3cr3t');
  });

  it('when a session duration is requested, then it is sent', () => {
    const request = signinTokenRequestFor({ partition: 'aws-us-gov', credentials, chained: false, sessionDurationSeconds: 43_200 });
    expect(request.url).toBe('https://signin.amazonaws-us-gov.com/federation');
    expect(new URLSearchParams(request.body.reveal()).get('SessionDuration')).toBe('43200');
    expect(request.sessionDurationSeconds).toBe(43_200);
  });

  it('when the credentials come from role chaining, then the duration is not sent and the answer says why', () => {
    const request = signinTokenRequestFor({ partition: 'aws', credentials, chained: true, sessionDurationSeconds: 7200 });
    expect(new URLSearchParams(request.body.reveal()).has('SessionDuration')).toBe(false);
    expect(request.sessionDurationIgnored).toMatch(/role chaining/);
  });

  it('when a regional endpoint is wanted, then the region prefixes the host', () => {
    expect(signinTokenRequestFor({ partition: 'aws', region: 'eu-west-1', credentials, chained: false }).url).toBe(
      'https://eu-west-1.signin.aws.amazon.com/federation',
    );
  });

  it.each([899, 43_201, 1000.5])('when the session duration is %s, then it is refused', (seconds) => {
    expect(() => signinTokenRequestFor({ partition: 'aws', credentials, chained: false, sessionDurationSeconds: seconds })).toThrow(
      /sessionDurationSeconds must be a whole number from 900 to 43200/,
    );
  });
});

describe('consoleUrlFor', () => {
  // The console's multi-session mode (up to five identities per browser) keeps existing sessions
  // unless the sign-in first sends the browser to the console's logout: the URL must be the
  // federation login itself, with an account-specific multi-session destination kept as given.
  it('when the destination is a multi-session console URL, then the login URL opens it directly, with no logout hop', () => {
    const destination = 'https://111122223333-abcd1234.us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1';
    const login = consoleUrlFor({
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'https://rolegate.corp.example/',
      signinToken: new Secret('T0K'),
      destination: consoleDestinationFor('aws', 'us-east-1', destination),
    }).reveal();
    const url = new URL(login);
    expect(url.origin + url.pathname).toBe('https://signin.aws.amazon.com/federation');
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Destination')).toBe(destination);
    expect(login.toLowerCase()).not.toContain('logout');
  });

  it('when no destination is given, then the login URL sends the user to the console home of the account region', () => {
    const url = new URL(
      consoleUrlFor({
        partition: 'aws',
        region: 'eu-west-1',
        issuer: 'https://rolegate.corp.example/',
        signinToken: new Secret('T0K/+='),
      }).reveal(),
    );
    expect(url.origin + url.pathname).toBe('https://signin.aws.amazon.com/federation');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'https://rolegate.corp.example/',
      Destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
      SigninToken: 'T0K/+=',
    });
  });

  it('when a regional endpoint is asked for, then the login URL uses it', () => {
    const url = consoleUrlFor({
      partition: 'aws',
      region: 'eu-west-1',
      issuer: 'https://r.example/',
      signinToken: new Secret('t'),
      regionalEndpoint: true,
    });
    expect(url.reveal()).toMatch(/^https:\/\/eu-west-1\.signin\.aws\.amazon\.com\/federation\?/);
  });

  it('when the issuer is not an http(s) URL, then it is refused', () => {
    expect(() =>
      consoleUrlFor({ partition: 'aws', region: 'eu-west-1', issuer: 'javascript:alert(1)', signinToken: new Secret('t') }),
    ).toThrow(/issuer must be an http\(s\) URL/);
  });
});

describe('consoleDestinationFor', () => {
  it.each([
    ['https://console.aws.amazon.com/ec2/home', 'https://console.aws.amazon.com/ec2/home'],
    [
      'https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2',
      'https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2',
    ],
    ['https://111122223333-abcd.us-east-1.console.aws.amazon.com/s3/', 'https://111122223333-abcd.us-east-1.console.aws.amazon.com/s3/'],
    ['/cloudwatch/home?region=eu-west-1#logs:', 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logs:'],
  ])('when the destination is %s, then it is allowed as %s', (destination, expected) => {
    expect(consoleDestinationFor('aws', 'eu-west-1', destination)).toBe(expected);
  });

  it.each([
    ['https://evil.example', /must be on console.aws.amazon.com/],
    ['https://console.aws.amazon.com.evil.example/', /must be on console.aws.amazon.com/],
    ['https://evilconsole.aws.amazon.com/', /must be on console.aws.amazon.com/],
    ['http://console.aws.amazon.com/', /must be an https URL/],
    ['https://user:pw@console.aws.amazon.com/', /must not contain user info/],
    ['https://console.aws.amazon.com:8443/', /must not name a port/],
    ['//evil.example/x', /must be an absolute https URL on the console/],
    ['/\\evil.example', /must be an absolute https URL on the console/],
    ['javascript:alert(1)', /must be an https URL/],
    ['https://signin.aws.amazon.com/oauth?Action=logout', /must be on console.aws.amazon.com/],
    ['https://console.amazonaws.cn/', /must be on console.aws.amazon.com/],
    [`https://console.aws.amazon.com/${'x'.repeat(2100)}`, /longer than 2048/],
  ])('when the destination is %s, then it is refused', (destination, message) => {
    expect(() => consoleDestinationFor('aws', 'eu-west-1', destination)).toThrow(message);
  });

  it('when the account is in GovCloud, then only GovCloud console hosts are allowed', () => {
    expect(consoleDestinationFor('aws-us-gov', 'us-gov-west-1', 'https://console.amazonaws-us-gov.com/iam/')).toBe(
      'https://console.amazonaws-us-gov.com/iam/',
    );
    expect(() => consoleDestinationFor('aws-us-gov', 'us-gov-west-1', 'https://console.aws.amazon.com/')).toThrow(/amazonaws-us-gov/);
  });
});

describe('console sign-in in every partition', () => {
  it.each([
    [
      'aws',
      'eu-west-1',
      'https://eu-west-1.signin.aws.amazon.com/federation',
      'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
    ],
    [
      'aws',
      'us-east-1',
      'https://signin.aws.amazon.com/federation',
      'https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1',
    ],
    [
      'aws-us-gov',
      'us-gov-east-1',
      'https://signin.amazonaws-us-gov.com/federation',
      'https://us-gov-east-1.console.amazonaws-us-gov.com/console/home?region=us-gov-east-1',
    ],
    [
      'aws-cn',
      'cn-northwest-1',
      'https://signin.amazonaws.cn/federation',
      'https://cn-northwest-1.console.amazonaws.cn/console/home?region=cn-northwest-1',
    ],
  ] as const)(
    'when the account is in %s %s, then token and login go to %s and the destination is %s',
    (partition, region, endpoint, home) => {
      expect(signinTokenRequestFor({ partition, region, credentials, chained: false }).url).toBe(endpoint);
      const url = new URL(
        consoleUrlFor({
          partition,
          region,
          issuer: 'https://rolegate.corp.example/portal',
          signinToken: new Secret('T'),
          regionalEndpoint: true,
        }).reveal(),
      );
      expect(url.origin + url.pathname).toBe(endpoint);
      expect(url.searchParams.get('Destination')).toBe(home);
    },
  );

  it('when a federation endpoint is configured, then both steps use it', () => {
    const endpoint = 'http://127.0.0.1:4566/federation';
    expect(signinTokenRequestFor({ partition: 'aws-cn', region: 'cn-north-1', credentials, chained: false, endpoint }).url).toBe(endpoint);
    const url = consoleUrlFor({
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'https://r.example/',
      signinToken: new Secret('T'),
      endpoint,
    });
    expect(url.reveal().startsWith(`${endpoint}?Action=login&`)).toBe(true);
  });
});

describe('standInDestinationFor', () => {
  const standIn = 'http://127.0.0.1:4566/console/';
  it('when no destination is given, then the stand-in console home of the region is used', () => {
    expect(standInDestinationFor(standIn, 'eu-west-1')).toBe('http://127.0.0.1:4566/console/home?region=eu-west-1');
  });
  it('when a path or a URL on the stand-in is given, then it is kept', () => {
    expect(standInDestinationFor(standIn, 'eu-west-1', '/console/ec2')).toBe('http://127.0.0.1:4566/console/ec2');
    expect(standInDestinationFor(standIn, 'eu-west-1', 'http://127.0.0.1:4566/console/x')).toBe('http://127.0.0.1:4566/console/x');
  });
  it.each(['https://evil.example', '//evil.example', 'http://127.0.0.1:9999/', 'https://console.aws.amazon.com/'])(
    'when the destination is %s, then it is refused',
    (destination) => {
      expect(() => standInDestinationFor(standIn, 'eu-west-1', destination)).toThrow(/^The console destination/);
    },
  );
});
