import { RolegateError } from '../domain/errors.js';

/**
 * The answer to a call that a backing service (Redis, PostgreSQL) failed: a
 * 503 naming what is down, so an outage never surfaces as a 500. A
 * RolegateError passes unchanged: it is an adapter's own, more precise answer
 * (a conflict, a not-found, a dependency_unavailable naming an IdP).
 */
export function dependencyUnavailable(dependency: string, cause: unknown): RolegateError {
  if (cause instanceof RolegateError) return cause;
  const error = new RolegateError('dependency_unavailable', { detail: `${dependency} is unavailable; try again shortly`, cause });
  // The message (logs, start-up problems; never sent to callers) keeps the backend's own reason.
  error.message = `${dependency} is unavailable: ${reasonOf(cause)}`;
  return error;
}

/** One line of a failure's message, bounded (Prisma's run to many lines). */
function reasonOf(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  // Prisma starts with the call site ("Invalid `prisma.x.findMany()` invocation:") and ends with the cause.
  const line = (lines[0]?.includes('invocation') ? lines.at(-1) : lines[0]) ?? 'unknown error';
  return line.trim().slice(0, 300);
}

export interface FailureReportOptions<T> {
  /** Methods whose rejections keep their own reason (health probes show it; closing is best effort). */
  untranslated?: readonly (keyof T)[];
}

/**
 * `adapter` as its callers see it: every method that returns a promise
 * rejects with dependencyUnavailable(`dependency`) when the backend fails.
 * This is how adapters translate their own failures — applied once where an
 * adapter is built (its constructor or factory returns the result), so
 * features read as the domain and no call site can forget it.
 *
 * Methods run on the adapter itself (private fields work); synchronous
 * results and throws, and property reads, pass through as they are. Each
 * method is wrapped once and then reused: the hot path pays one property
 * lookup and one closure call per call.
 */
export function reportingFailuresAs<T extends object>(adapter: T, dependency: string, options: FailureReportOptions<T> = {}): T {
  const untranslated = new Set<PropertyKey>(options.untranslated ?? []);
  const wrapped = new Map<PropertyKey, unknown>();
  const translate = (error: unknown): never => {
    throw dependencyUnavailable(dependency, error);
  };
  return new Proxy(adapter, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'constructor') return value;
      if (untranslated.has(property)) return (value as (...args: unknown[]) => unknown).bind(target);
      let method = wrapped.get(property);
      if (method === undefined) {
        const original = value as (...args: unknown[]) => unknown;
        method = (...args: unknown[]): unknown => {
          const result = original.apply(target, args);
          return result instanceof Promise ? result.catch(translate) : result;
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}
