import { RolegateError } from '../domain/errors.js';

/**
 * Runs a call to a backing store and turns its failure into a 503 that names
 * what is down, so a dead Redis or database never surfaces as a 500.
 * RolegateErrors pass through unchanged.
 */
export async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RolegateError) throw error;
    throw new RolegateError('dependency_unavailable', { detail: `${what} is unavailable; try again shortly`, cause: error });
  }
}
