import { Worker } from 'node:worker_threads';
import { RolegateError } from '../../domain/errors.js';
import type {
  SamlAssertion,
  SamlIdentityProvider,
  SamlLogoutMessage,
  SamlLogoutRequest,
  SamlLogoutResponse,
} from '../../ports/saml-gateway.js';
import type { SamlVerification, SamlVerifierSettings } from './saml-verifier.js';
import type { VerifierAnswer, VerifierTask } from './saml-verifier-worker.js';

export interface VerifierThreadOptions {
  /** A task still running after this is abandoned: the thread is replaced and every waiting task answers 503. */
  taskTimeoutMs?: number;
  /** Tasks waiting at once; beyond this, 503 at once instead of an ever longer queue. */
  maxPending?: number;
}

// From the TypeScript sources (tests, `npm run dev`) the worker is a .ts file: Node strips the
// types, and this hook resolves its relative `.js` imports to the `.ts` files, as tsc does.
const RESOLVE_TS = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (error) {
    if (/^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
    throw error;
  }
}`;
const BOOTSTRAP = `
const { register } = require('node:module');
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) register('data:text/javascript,' + encodeURIComponent(workerData.resolveTs));
import(workerData.entry);
`;
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './saml-verifier-worker.ts' : './saml-verifier-worker.js', import.meta.url).href;

interface Pending {
  worker: Worker;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * The SAML verifier on a worker thread of its own. Verifying one SAML message
 * (node-saml, xml-crypto, xpath) is one synchronous run of several
 * milliseconds for a 10 KB response, and of a few hundred for a message at
 * the parser limits: node-saml parses it three to five times, and xpath 0.0.34
 * sorts each predicate's node set by comparing sibling positions, which is
 * quadratic in the children of one element. On the event loop that would stall
 * every other request; here the event loop only posts the message and waits.
 * Started on first use; a thread that dies or overruns is replaced.
 */
export class SamlVerifierThread implements SamlVerification {
  readonly #settings: SamlVerifierSettings;
  readonly #taskTimeoutMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;

  constructor(settings: SamlVerifierSettings, options: VerifierThreadOptions = {}) {
    this.#settings = settings;
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 10_000;
    this.#maxPending = options.maxPending ?? 64;
  }

  validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion> {
    return this.#call('validateResponse', [idp, samlResponse, expectedRequestId]);
  }

  validateLogoutRequest(idp: SamlIdentityProvider, message: SamlLogoutMessage): Promise<SamlLogoutRequest> {
    return this.#call('validateLogoutRequest', [idp, message]);
  }

  validateLogoutResponse(idp: SamlIdentityProvider, message: SamlLogoutMessage, expectedRequestId: string): Promise<SamlLogoutResponse> {
    return this.#call('validateLogoutResponse', [idp, message, expectedRequestId]);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) {
      this.#failAll(worker, 'rolegate is shutting down');
      await worker.terminate();
    }
  }

  #call<T>(method: VerifierTask['method'], args: unknown[]): Promise<T> {
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(
        new RolegateError('dependency_unavailable', {
          detail: 'The SAML verifier is busy with other messages; try again shortly',
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    const worker = this.#started();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#failAll(worker, `a SAML message took longer than ${String(this.#taskTimeoutMs)} ms to verify`);
        if (this.#worker === worker) this.#worker = undefined;
        void worker.terminate();
      }, this.#taskTimeoutMs).unref();
      this.#pending.set(id, { worker, resolve: resolve as (value: unknown) => void, reject, timer });
      worker.postMessage({ id, method, args } satisfies VerifierTask);
    });
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: ENTRY, resolveTs: RESOLVE_TS, settings: this.#settings },
      // A message within the parser limits needs a few MB; this bounds a thread that goes wrong.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    worker.unref();
    worker.on('message', (answer: VerifierAnswer) => this.#answer(answer));
    worker.on('error', (error: Error) => this.#stopped(worker, `the SAML verifier thread failed: ${error.message}`));
    worker.on('exit', (code) => this.#stopped(worker, `the SAML verifier thread exited (${String(code)})`));
    this.#worker = worker;
    return worker;
  }

  #answer(answer: VerifierAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    clearTimeout(pending.timer);
    if (answer.ok) pending.resolve(answer.value);
    else if ('error' in answer) pending.reject(new RolegateError(answer.error.code, answer.error));
    else pending.reject(new RolegateError('server_error', { cause: new Error(`SAML verifier: ${answer.unexpected}`) }));
  }

  #stopped(worker: Worker, reason: string): void {
    if (this.#worker === worker) this.#worker = undefined;
    this.#failAll(worker, reason);
  }

  #failAll(worker: Worker, reason: string): void {
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        new RolegateError('dependency_unavailable', { detail: `The SAML message could not be verified: ${reason}; try again` }),
      );
    }
  }
}
