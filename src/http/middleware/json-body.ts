import express, { type RequestHandler } from 'express';
import { RolegateError } from '../../domain/errors.js';

/** A JSON API body: 415 unless it is sent as application/json, then parsed (strict, at most `limit`). */
export function jsonBody(limit = '8kb'): RequestHandler[] {
  return [
    (req, _res, next) => {
      next(
        req.is('application/json')
          ? undefined
          : new RolegateError('unsupported_media_type', { detail: 'Send the body as application/json' }),
      );
    },
    express.json({ limit, strict: true }),
  ];
}
