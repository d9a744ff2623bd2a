import express, { Router } from 'express';

const REPORT_TYPES = ['application/csp-report', 'application/json', 'application/reports+json'];

/**
 * Receives Content-Security-Policy violation reports from browsers (the CSP's
 * report-uri) and logs a trimmed copy at warn level: a violation on our pages
 * means either a bug or an injection attempt.
 */
export function cspReportRoute(): Router {
  const router = Router();
  router.post('/csp-report', express.json({ type: REPORT_TYPES, limit: '16kb' }), (req, res) => {
    const body: unknown = req.body;
    const report = (typeof body === 'object' && body !== null && 'csp-report' in body ? body['csp-report'] : body) as
      Record<string, unknown> | undefined;
    req.log.warn(
      {
        csp: {
          documentUri: trim(report?.['document-uri']),
          violatedDirective: trim(report?.['violated-directive'] ?? report?.['effective-directive']),
          blockedUri: trim(report?.['blocked-uri']),
        },
      },
      'content security policy violation reported',
    );
    res.status(204).end();
  });
  return router;
}

function trim(value: unknown): string | undefined {
  // Only the origin and path: a blocked URI's query could carry anything.
  return typeof value === 'string' ? value.split('?')[0]?.slice(0, 256) : undefined;
}
