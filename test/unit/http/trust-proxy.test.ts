import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { clientIp, compileTrustProxy, isSecure } from '../../../src/http/trust-proxy.js';

// The direct layer computes `ip` and `secure` itself (src/http/direct-routes.ts); the Express app
// has its getters. For every kind of server.trustProxy, both must see the same client.

const SETTINGS: (boolean | number | string)[] = [false, true, 0, 1, 2, 'loopback', '127.0.0.1', '10.0.0.0/8, 127.0.0.0/8', '192.0.2.1'];
const FORWARDED: Record<string, string>[] = [
  {},
  { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
  { 'x-forwarded-for': '203.0.113.7, 10.1.2.3', 'x-forwarded-proto': 'https, http' },
  { 'x-forwarded-for': 'not-an-ip, 10.1.2.3' },
  { 'x-forwarded-proto': 'HTTPS' },
  { 'x-forwarded-for': '2001:db8::1', 'x-forwarded-proto': '' },
];

describe('trust proxy: the direct layer sees clients as Express does', () => {
  it.each(SETTINGS)('with server.trustProxy %s, then ip and secure agree with Express for every forwarded header', async (setting) => {
    // Express given its own setting, as before, and the compiled function, as create-app.ts now does: all three must agree.
    const seen = (trustSetting: unknown) => {
      const app = express();
      app.set('trust proxy', trustSetting);
      app.get('/', (req, res) => {
        const trust = compileTrustProxy(setting);
        res.json({ express: { ip: req.ip, secure: req.secure }, ours: { ip: clientIp(req, trust), secure: isSecure(req, trust) } });
      });
      return app;
    };
    for (const headers of FORWARDED) {
      for (const app of [seen(setting), seen(compileTrustProxy(setting))]) {
        const res = await supertest(app).get('/').set(headers);
        const body = res.body as { express: unknown; ours: unknown };
        expect(body.ours, JSON.stringify(headers)).toEqual(body.express);
      }
    }
  });

  it('when every proxy is trusted, then the forwarded client and protocol are what both see; when none is, the socket', async () => {
    const trusting = compileTrustProxy(true);
    const app = express();
    app.get('/', (req, res) =>
      res.json({ ip: clientIp(req, trusting), secure: isSecure(req, trusting), socket: clientIp(req, compileTrustProxy(false)) }),
    );
    const res = await supertest(app).get('/').set({ 'x-forwarded-for': '203.0.113.7, 10.1.2.3', 'x-forwarded-proto': 'https' });
    expect(res.body).toEqual({ ip: '203.0.113.7', secure: true, socket: expect.stringMatching(/127\.0\.0\.1$/) as unknown });
  });
});
