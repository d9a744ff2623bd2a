/** Start-up failed for reasons an operator must fix; one line per problem. */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Says which setting to fix for a failed step; undefined when the failure is not the operator's to fix (it is rethrown as is). */
export type ProblemOf = (error: Error) => string | string[] | undefined;

/**
 * Start-up as a sequence of steps that owns cleanup: whatever a step opened is
 * registered with `onClose`, and when a later step fails, everything opened so
 * far is closed, newest first, before the failure goes on as a StartupError.
 * `close` is the running service's shutdown.
 */
export class StartupSteps {
  readonly #closers: (() => Promise<void> | void)[] = [];

  /** Registers how to release what was just opened. */
  onClose(close: () => Promise<void> | void): void {
    this.#closers.push(close);
  }

  /** Runs one step; on failure closes everything and throws what `problemOf` says (a StartupError from the step is kept). */
  async step<T>(problemOf: ProblemOf, run: () => Promise<T> | T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      await this.close();
      if (error instanceof StartupError || !(error instanceof Error)) throw error;
      const problem = problemOf(error);
      if (problem === undefined) throw error;
      throw new StartupError(typeof problem === 'string' ? [problem] : problem);
    }
  }

  /** Closes everything and fails start-up with these problems (when there are any). */
  async failIf(problems: string[]): Promise<void> {
    if (problems.length === 0) return;
    await this.close();
    throw new StartupError(problems);
  }

  /** Closes everything opened so far, newest first; a failing close does not stop the others. */
  async close(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
  }
}

/** host:port of a connection URL, without user, password or query. */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return 'an unparsable URL';
  }
}
