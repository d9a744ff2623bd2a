/** How long shutdown waits for one part to close before going on to the next. */
export const CLOSE_BOUND_MS = 5000;

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
  readonly #closers: { what: string; close: () => Promise<void> | void }[] = [];

  /** `onLate` hears of each part that did not close within CLOSE_BOUND_MS (shutdown goes on without it). */
  constructor(private readonly onLate: (what: string) => void = () => undefined) {}

  /** Registers how to release what was just opened; `what` names it should it not close in time. */
  onClose(what: string, close: () => Promise<void> | void): void {
    this.#closers.push({ what, close });
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

  /**
   * Closes everything opened so far, newest first. A failing close does not
   * stop the others, nor does one that hangs (a worker waiting on a stalled
   * dependency): after CLOSE_BOUND_MS the next one is closed.
   */
  async close(): Promise<void> {
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const closed = Promise.resolve()
        .then(close)
        .then(
          () => true,
          () => true,
        );
      const inTime = await Promise.race([
        closed,
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_BOUND_MS))),
      ]);
      clearTimeout(timer);
      if (!inTime) this.onLate(what);
    }
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
