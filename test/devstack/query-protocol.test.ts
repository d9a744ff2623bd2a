import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSts } from '../support/devstack.js';
import { samlWorld } from './saml-world.js';

let sts: Awaited<ReturnType<typeof startTestSts>>;
beforeAll(async () => {
  sts = await startTestSts(samlWorld());
});
afterAll(() => sts.close());

const post = (body: string) => fetch(sts.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('the STS Query protocol', () => {
  it('when an error is answered, then it is AWS error XML with a request id in the body and the x-amzn-RequestId header', async () => {
    const response = await post('Action=AssumeRoleWithSAML&Version=2011-06-15');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    const requestId = response.headers.get('x-amzn-requestid') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.text()).toBe(
      [
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
        '  <Error>',
        '    <Type>Sender</Type>',
        '    <Code>ValidationError</Code>',
        "    <Message>3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'principalArn' failed to satisfy constraint: Member must not be null; Value null at 'sAMLAssertion' failed to satisfy constraint: Member must not be null</Message>",
        '  </Error>',
        `  <RequestId>${requestId}</RequestId>`,
        '</ErrorResponse>',
        '',
      ].join('\n'),
    );
  });

  it('when the action is unknown or the version is wrong, then InvalidAction', async () => {
    for (const body of ['Action=GetSessionToken&Version=2011-06-15', 'Action=GetCallerIdentity&Version=2010-01-01', 'Version=2011-06-15']) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>InvalidAction</Code>');
    }
  });

  it('when GetCallerIdentity is not signed, then MissingAuthenticationToken (403)', async () => {
    const response = await post('Action=GetCallerIdentity&Version=2011-06-15');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('when the Authorization header is malformed, then IncompleteSignature', async () => {
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 garbage' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>IncompleteSignature</Code>');
  });

  it('when a parameter is repeated, then InvalidParameterValue', async () => {
    const response = await post('Action=GetCallerIdentity&Action=AssumeRole&Version=2011-06-15');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidParameterValue</Code>');
  });

  it('when the body is larger than any STS request, then a ValidationError, not a crash', async () => {
    const response = await post(`Action=AssumeRoleWithSAML&Version=2011-06-15&SAMLAssertion=${'A'.repeat(300_000)}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>ValidationError</Code>');
  });

  it('when a value contains XML metacharacters, then the error message escapes them', async () => {
    const response = await post(`Action=${encodeURIComponent('<x>&')}&Version=2011-06-15`);
    expect(await response.text()).toContain('Could not find operation &lt;x&gt;&amp; for version 2011-06-15');
  });
});
