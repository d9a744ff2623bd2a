import type { IncomingMessage } from 'node:http';
import { RolegateError } from '../../domain/errors.js';

const MEDIA_TYPE = /^\s*application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;
const NOT_JSON = () => new RolegateError('invalid_request', { detail: 'The request body is not valid JSON' });

/**
 * The body of a JSON API request, for every JSON API endpoint whether Express
 * or the direct layer serves it (the admin API, which also takes YAML, and
 * browsers' CSP reports keep express.json/express.text): 415 unless it is sent as application/json in
 * UTF-8 without a content encoding, 413 (and the connection closed) above
 * `limitBytes`, 400 unless it is a JSON object or array. An empty body reads as
 * `{}`, so the schema names what is missing.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const contentType = req.headers['content-type'];
  if (contentType === undefined || !MEDIA_TYPE.test(contentType)) {
    return Promise.reject(new RolegateError('unsupported_media_type', { detail: 'Send the body as application/json' }));
  }
  const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase();
  const encoding = req.headers['content-encoding'];
  if ((charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') || (encoding !== undefined && encoding !== 'identity')) {
    return Promise.reject(
      new RolegateError('unsupported_media_type', { detail: 'The request body uses an unsupported encoding or charset' }),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limitBytes) return Promise.reject(tooLarge());

  // Listeners stay attached once answered (the request ends with its answer): `chunks` tells whether it was.
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined = [];
    let received = 0;
    const fail = (error: RolegateError) => {
      chunks = undefined;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (chunks === undefined) return;
      received += chunk.length;
      if (received > limitBytes) fail(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (chunks === undefined) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      chunks = undefined;
      const start = text.trimStart()[0];
      if (start === undefined) return resolve({});
      if (start !== '{' && start !== '[') return reject(NOT_JSON());
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(NOT_JSON());
      }
    });
    const aborted = () => {
      if (chunks !== undefined) fail(new RolegateError('invalid_request', { detail: 'The client aborted the request' }));
    };
    req.on('aborted', aborted);
    req.on('error', aborted);
  });
}

/** The rest of the body is not read: the answer closes the connection. */
function tooLarge(): RolegateError {
  return new RolegateError('payload_too_large', {
    detail: 'The request body is larger than this endpoint accepts',
    headers: { Connection: 'close' },
  });
}
