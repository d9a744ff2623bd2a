import type { ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * Faults the devstack injects into its own STS and IAM answers, so tests can show
 * how rolegate behaves when AWS throttles, fails or stalls (docs/devstack.md#injected-faults):
 * - `throttling`: `Throttling` / "Rate exceeded", HTTP 400, as IAM and STS throttle;
 * - `server-error`: HTTP 500 (`ServiceFailure` for IAM, `InternalFailure` for STS);
 * - `stall`: the request is read and never answered (the connection stays open), until the
 *   client gives up, the fault is cleared or the server closes.
 * A fault matches a service, optionally one action and one account (IAM: the caller's account;
 * STS: the account of the RoleArn asked for), and applies to its next `times` matching calls, or
 * to all of them until cleared. Checked after the signature, so a fault never hides a bad one.
 */
export const FAULT_KINDS = ['throttling', 'server-error', 'stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultInput = z.strictObject({
  service: z.enum(['iam', 'sts'], { error: 'expected service iam or sts' }),
  kind: z.enum(FAULT_KINDS, { error: `expected kind ${FAULT_KINDS.join(', ')}` }),
  action: z
    .string({ error: 'expected an action name such as PutRolePolicy' })
    .regex(/^[A-Za-z]{1,64}$/, { error: 'expected an action name such as PutRolePolicy' })
    .optional(),
  accountId: z
    .string({ error: 'expected a 12-digit account id' })
    .regex(/^\d{12}$/, { error: 'expected a 12-digit account id' })
    .optional(),
  times: z.number({ error: 'expected a whole number of calls from 1 to 1000000' }).int().min(1).max(1_000_000).optional(),
});
export type FaultInput = z.infer<typeof faultInput>;

export interface Fault extends FaultInput {
  id: number;
  /** How many calls it has hit so far (at most `times`). */
  hits: number;
}

export class FaultInjector {
  #faults: Fault[] = [];
  #nextId = 1;
  readonly #stalled = new Set<ServerResponse>();

  add(input: FaultInput): Fault {
    const fault: Fault = { ...input, id: this.#nextId++, hits: 0 };
    this.#faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Removes one fault (by id) or all, and ends every stalled request by dropping its connection. */
  clear(id?: number): boolean {
    const before = this.#faults.length;
    this.#faults = id === undefined ? [] : this.#faults.filter((f) => f.id !== id);
    if (this.#faults.every((f) => f.kind !== 'stall')) this.releaseStalled();
    return this.#faults.length < before;
  }

  /** The fault this call meets, if any, and counts the hit; a fault whose `times` are used up stays listed, spent. */
  take(call: { service: 'iam' | 'sts'; action: string; accountId: string | undefined }): Fault | undefined {
    const fault = this.#faults.find(
      (f) =>
        (f.times === undefined || f.hits < f.times) &&
        f.service === call.service &&
        (f.action === undefined || f.action === call.action) &&
        (f.accountId === undefined || f.accountId === call.accountId),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    return { ...fault };
  }

  /** Holds a response open without answering (a stalled IAM or STS). */
  stall(res: ServerResponse): void {
    this.#stalled.add(res);
    res.once('close', () => this.#stalled.delete(res));
  }

  releaseStalled(): void {
    for (const res of this.#stalled) res.socket?.destroy();
    this.#stalled.clear();
  }
}
