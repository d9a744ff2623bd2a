import type { StsError } from './sts-error.js';
import { escapeXml, renderXml, type XmlTree } from './xml.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** `<{Action}Response><{Action}Result>…</…><ResponseMetadata>` as STS answers a Query call. */
export function renderResult(action: string, result: XmlTree, requestId: string): string {
  const body = renderXml(result, '    ');
  return [
    `<${action}Response xmlns="${STS_NAMESPACE}">`,
    `  <${action}Result>`,
    ...(body ? [body] : []),
    `  </${action}Result>`,
    '  <ResponseMetadata>',
    `    <RequestId>${escapeXml(requestId)}</RequestId>`,
    '  </ResponseMetadata>',
    `</${action}Response>`,
    '',
  ].join('\n');
}

/** AWS's Query-protocol error document. */
export function renderError(error: StsError, requestId: string): string {
  return [
    `<ErrorResponse xmlns="${STS_NAMESPACE}">`,
    '  <Error>',
    `    <Type>${error.type}</Type>`,
    `    <Code>${escapeXml(error.code)}</Code>`,
    `    <Message>${escapeXml(error.message)}</Message>`,
    '  </Error>',
    `  <RequestId>${escapeXml(requestId)}</RequestId>`,
    '</ErrorResponse>',
    '',
  ].join('\n');
}
