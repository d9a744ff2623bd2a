/**
 * The background loop of a worker that claims due rows from PostgreSQL (the
 * notification dispatcher, the revocation worker): runs `step` again at once
 * while it reports more work, otherwise after `pollIntervalMs`; a failing step
 * is reported and retried on the next poll. `stop()` ends the wait and resolves
 * once the running step has finished.
 */
export class PollingLoop {
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(
    private readonly step: () => Promise<{ moreDue: boolean }>,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.#running !== undefined) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let moreDue = false;
      try {
        ({ moreDue } = await this.step());
      } catch (error) {
        this.onError(error);
      }
      if (!moreDue) await this.#idle(this.pollIntervalMs);
    }
  }

  #idle(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
