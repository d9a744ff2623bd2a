import express, { type Router } from 'express';
import type { StsServices } from '../sts/actions/action-context.js';
import { EksTokenError, verifyEksToken } from './verify-eks-token.js';

/**
 * `POST /eks/<cluster id>/authenticate`: the webhook an EKS API server calls
 * (aws-iam-authenticator's server, one per cluster — here the cluster id is
 * in the path): a TokenReview (authentication.k8s.io/v1beta1) in, the same
 * TokenReview with its status out. Authenticated users are named by their
 * canonical role ARN, with the session name and account as extras.
 */
export function eksAuthenticatorRoutes(services: StsServices): Router {
  const router = express.Router();
  router.post('/eks/:cluster/authenticate', async (req, res) => {
    let review: { apiVersion?: unknown; spec?: { token?: unknown } } = {};
    try {
      review = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '{}') as typeof review;
    } catch {
      // an unreadable review is refused below, like one without a token
    }
    const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : 'authentication.k8s.io/v1beta1';
    const answer = (status: Record<string, unknown>) => res.status(200).json({ apiVersion, kind: 'TokenReview', status });
    const token = review.spec?.token;
    if (typeof token !== 'string') return answer({ authenticated: false, error: 'the TokenReview has no spec.token' });
    try {
      const port = req.socket.localPort ?? 0;
      const identity = await verifyEksToken(token, {
        clusterId: req.params.cluster,
        stsUrl: `http://127.0.0.1:${String(port)}`,
        now: services.now,
      });
      return answer({
        authenticated: true,
        user: {
          username: identity.canonicalArn,
          uid: `aws-iam-authenticator:${identity.accountId}:${identity.userId}`,
          groups: [],
          extra: {
            arn: [identity.arn],
            canonicalArn: [identity.canonicalArn],
            sessionName: [identity.sessionName],
            accessKeyId: [identity.accessKeyId],
            accountId: [identity.accountId],
          },
        },
      });
    } catch (error) {
      return answer({ authenticated: false, error: error instanceof EksTokenError ? error.message : 'internal error' });
    }
  });
  return router;
}
