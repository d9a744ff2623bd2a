import { RolegateError } from '../domain/errors.js';

/**
 * When a caller of a failed backing service should try again: a Sentinel failover or a restarted
 * Redis or PostgreSQL answers again within seconds (RFC 9110 section 10.2.3, Retry-After).
 */
export const DEPENDENCY_RETRY_AFTER_SECONDS = '2';

/**
 * The answer to a call that a backing service (Redis, PostgreSQL) failed: a
 * 503 naming what is down, with Retry-After, so an outage never surfaces as a 500. A
 * RolegateError passes unchanged: it is an adapter's own, more precise answer
 * (a conflict, a not-found, a dependency_unavailable naming an IdP).
 */
export function dependencyUnavailable(dependency: string, cause: unknown): RolegateError {
  if (cause instanceof RolegateError) return cause;
  const error = new RolegateError('dependency_unavailable', {
    detail: `${dependency} is unavailable; try again shortly`,
    headers: { 'Retry-After': DEPENDENCY_RETRY_AFTER_SECONDS },
    cause,
  });
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
 * The result is a view whose prototype is the adapter: its own fields read
 * through, live (`backend`, counters), and `instanceof` holds. Each method
 * and accessor of the adapter's class is defined on the view once, running on
 * the adapter itself (private fields work); synchronous results and throws
 * pass through as they are. No Proxy: a call costs one closure and, for a
 * promise, one `catch` (measured ~0.1 µs beside a ~0.6 µs in-memory get).
 */
export function reportingFailuresAs<T extends object>(adapter: T, dependency: string, options: FailureReportOptions<T> = {}): T {
  const untranslated = new Set<PropertyKey>(options.untranslated ?? []);
  const translate = (error: unknown): never => {
    throw dependencyUnavailable(dependency, error);
  };
  const view = Object.create(adapter) as T;
  const define = (name: PropertyKey, descriptor: PropertyDescriptor) => {
    if (name === 'constructor' || Object.hasOwn(view, name)) return; // the nearest definition wins
    // Accessors of the adapter's class, called on the adapter (never on the view).
    const get: unknown = Reflect.get(descriptor, 'get');
    const set: unknown = Reflect.get(descriptor, 'set');
    const value: unknown = descriptor.value;
    if (typeof get === 'function' || typeof set === 'function') {
      Object.defineProperty(view, name, {
        ...(typeof get === 'function' ? { get: (): unknown => Reflect.apply(get, adapter, []) as unknown } : {}),
        ...(typeof set === 'function' ? { set: (next: unknown) => void Reflect.apply(set, adapter, [next]) } : {}),
        configurable: true,
      });
      return;
    }
    if (typeof value !== 'function') return; // data fields read through the prototype
    const original = value as (...args: unknown[]) => unknown;
    const method = untranslated.has(name)
      ? (...args: unknown[]): unknown => original.apply(adapter, args)
      : (...args: unknown[]): unknown => {
          const result = original.apply(adapter, args);
          return result instanceof Promise ? result.catch(translate) : result;
        };
    Object.defineProperty(view, name, { value: method, configurable: true });
  };
  for (const name of Reflect.ownKeys(adapter)) define(name, Object.getOwnPropertyDescriptor(adapter, name) ?? {});
  for (
    let proto: unknown = Object.getPrototypeOf(adapter);
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Reflect.ownKeys(proto as object)) define(name, Object.getOwnPropertyDescriptor(proto, name) ?? {});
  }
  return view;
}
