import type { StsError } from './sts-error.js';
import { escapeXml, renderXml, type XmlTree } from './xml.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** `<{Action}Response><{Action}Result>…</…><ResponseMetadata>` as STS answers a Query call. */
export function renderResult(action: string, result: XmlTree, requestId: string, namespace = STS_NAMESPACE): string {
  const body = renderXml(result, '    ');
  return [
    `<${action}Response xmlns="${namespace}">`,
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
export function renderError(error: StsError, requestId: string, namespace = STS_NAMESPACE): string {
  return [
    `<ErrorResponse xmlns="${namespace}">`,
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

/** The same result as JSON, as STS answers `Accept: application/json`: `{"<Action>Response": {"<Action>Result": …, "ResponseMetadata": …}}`. */
export function renderJsonResult(action: string, result: XmlTree, requestId: string): Record<string, unknown> {
  return { [`${action}Response`]: { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } } };
}

export function renderJsonError(error: StsError, requestId: string): Record<string, unknown> {
  return { Error: { Type: error.type, Code: error.code, Message: error.message }, RequestId: requestId };
}
