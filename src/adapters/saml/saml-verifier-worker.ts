// The verifier thread's entry point (started by saml-verifier-thread.ts). It
// answers one message per task, in order; a RolegateError goes back as its
// code and detail, anything else as an unexpected failure.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { RolegateError } from '../../domain/errors.js';
import { SamlVerifier, type SamlVerification, type SamlVerifierSettings } from './saml-verifier.js';

export interface VerifierTask {
  id: number;
  method: keyof SamlVerification;
  args: unknown[];
}

export type VerifierAnswer =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: RolegateError['code']; status: number; detail: string; extras: Record<string, unknown> } }
  | { id: number; ok: false; unexpected: string };

const port = parentPort;
if (!port) throw new Error('saml-verifier-worker runs as a worker thread only');
// Verifying is background work: when the cores are busy, the event loop (every other request)
// should get them first. On Linux a nice value is per thread (setpriority(2), NOTES), so this
// lowers only this thread; elsewhere it would lower the whole process, so it is left alone.
if (process.platform === 'linux') {
  try {
    setPriority(10);
  } catch {
    // Not permitted here: verification simply runs at the process's priority.
  }
}
const verifier = new SamlVerifier((workerData as { settings: SamlVerifierSettings }).settings);

port.on('message', (task: VerifierTask) => {
  void run(task).then((answer) => port.postMessage(answer));
});

async function run(task: VerifierTask): Promise<VerifierAnswer> {
  try {
    const call = {
      validateResponse: () => verifier.validateResponse(...(task.args as Parameters<SamlVerifier['validateResponse']>)),
      validateLogoutRequest: () => verifier.validateLogoutRequest(...(task.args as Parameters<SamlVerifier['validateLogoutRequest']>)),
      validateLogoutResponse: () => verifier.validateLogoutResponse(...(task.args as Parameters<SamlVerifier['validateLogoutResponse']>)),
    }[task.method];
    return { id: task.id, ok: true, value: await call() };
  } catch (error) {
    if (error instanceof RolegateError) {
      return { id: task.id, ok: false, error: { code: error.code, status: error.status, detail: error.detail, extras: error.extras } };
    }
    return { id: task.id, ok: false, unexpected: error instanceof Error ? error.message : String(error) };
  }
}
