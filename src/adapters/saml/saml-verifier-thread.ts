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
  /**
   * A message still running after this fails (503) and the thread is replaced; one that waited twice
   * this long is dropped (503). Twice: the message queued right behind one that overran has waited
   * a whole timeout by then, and must still get its turn on the fresh thread.
   */
  taskTimeoutMs?: number;
  /** Messages waiting or running at once; beyond this, 503 at once instead of an ever longer queue. */
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

interface Task {
  id: number;
  method: VerifierTask['method'];
  args: unknown[];
  queuedAt: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The SAML verifier on a worker thread of its own. Verifying one SAML message
 * (node-saml, xml-crypto, xpath) is one synchronous run of several
 * milliseconds for a 10 KB response, and of a few hundred for a message at
 * the parser limits: node-saml parses it three to five times, and xpath 0.0.34
 * sorts each predicate's node set by comparing sibling positions, which is
 * quadratic in the children of one element. On the event loop that would stall
 * every other request; here the event loop only posts the message and waits.
 *
 * One message at a time is on the thread, so its timeout counts its own run,
 * not its wait; a message that overruns replaces the thread. Started on first
 * use; a thread that dies is replaced for the next message.
 */
export class SamlVerifierThread implements SamlVerification {
  readonly #settings: SamlVerifierSettings;
  readonly #taskTimeoutMs: number;
  readonly #maxPending: number;
  readonly #queue: Task[] = [];
  #running: { task: Task; worker: Worker; timer: NodeJS.Timeout } | undefined;
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;

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
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    const running = this.#running;
    this.#running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.task.reject(unavailable('rolegate is shutting down'));
    }
    for (const task of this.#queue.splice(0)) task.reject(unavailable('rolegate is shutting down'));
    await worker?.terminate();
  }

  #call<T>(method: VerifierTask['method'], args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(unavailable('rolegate is shutting down'));
    if (this.#queue.length + (this.#running ? 1 : 0) >= this.#maxPending) return Promise.reject(busy());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, method, args, queuedAt: Date.now(), resolve: resolve as (value: unknown) => void, reject });
      this.#next();
    });
  }

  /** Puts the next waiting message on the thread, unless one is running. */
  #next(): void {
    if (this.#running || this.#closed) return;
    let task = this.#queue.shift();
    // Whoever sent a message that waited this long has likely given up: do not spend the thread on it.
    while (task && Date.now() - task.queuedAt > 2 * this.#taskTimeoutMs) {
      task.reject(busy());
      task = this.#queue.shift();
    }
    if (!task) return;
    const worker = this.#started();
    const timer = setTimeout(() => {
      this.#stopped(worker, `a SAML message took longer than ${String(this.#taskTimeoutMs)} ms to verify`);
      void worker.terminate();
    }, this.#taskTimeoutMs).unref();
    this.#running = { task, worker, timer };
    worker.postMessage({ id: task.id, method: task.method, args: task.args } satisfies VerifierTask);
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
    const running = this.#running;
    if (running?.task.id !== answer.id) return;
    this.#running = undefined;
    clearTimeout(running.timer);
    if (answer.ok) running.task.resolve(answer.value);
    else if ('error' in answer) running.task.reject(new RolegateError(answer.error.code, answer.error));
    else running.task.reject(new RolegateError('server_error', { cause: new Error(`SAML verifier: ${answer.unexpected}`) }));
    this.#next();
  }

  /** The thread is gone (or abandoned): the message on it fails, the next one gets a new thread. */
  #stopped(worker: Worker, reason: string): void {
    if (this.#worker === worker) this.#worker = undefined;
    const running = this.#running;
    if (running?.worker === worker) {
      this.#running = undefined;
      clearTimeout(running.timer);
      running.task.reject(unavailable(reason));
    }
    this.#next();
  }
}

const unavailable = (reason: string) =>
  new RolegateError('dependency_unavailable', { detail: `The SAML message could not be verified: ${reason}; try again` });
const busy = () =>
  new RolegateError('dependency_unavailable', {
    detail: 'The SAML verifier is busy with other messages; try again shortly',
    headers: { 'Retry-After': '1' },
  });
