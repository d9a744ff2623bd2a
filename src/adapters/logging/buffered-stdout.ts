import { writeSync } from 'node:fs';

/** How stdout is written: lines below warn wait until `bufferBytes` are pending or `flushIntervalMs` has passed. */
export interface LogBuffering {
  bufferBytes: number;
  flushIntervalMs: number;
}

const WARN = 40;
/** The most bytes one UTF-16 code unit takes in UTF-8: a line of n units fits in 3n bytes. */
const UTF8_PER_UNIT = 3;
/** What a write that the pipe refused (EAGAIN) waits before the rest is tried again. */
const RETRY_MS = 100;

/**
 * A log destination for pino: lines are encoded straight into a fixed
 * buffer, and one write(2) takes `bufferBytes` of them (or whatever waits
 * when `flushIntervalMs` passes, or at once when a line at warn or above
 * arrives). sonic-boom, which this replaces on the buffered path,
 * concatenated the lines as strings and measured the whole pending text again
 * for every line; its share of a cached credentials answer's CPU was ~6 %.
 * The write is made on this thread, never handed to the thread pool: a pipe
 * that is full takes what fits (the rest is tried again after RETRY_MS), and
 * what has been written is always known. So when the process exits (normally,
 * on an uncaught error or through process.exit) exactly the rest is written
 * synchronously; a write left in flight on another thread could otherwise be
 * lost or doubled. Only a process killed outright loses what waits.
 */
export class BufferedStdout {
  /** pino sets it before each write on streams that ask for it (needsMetadataGsym). */
  lastLevel = 0;
  #chunk: Buffer;
  #used = 0;
  /** Filled chunks not yet written, oldest first; the first may be partly written already. */
  readonly #full: Buffer[] = [];
  /** A retry of a write the pipe refused is scheduled. */
  #retrying = false;
  /** flush(cb) callers, answered once everything queued before them is written. */
  #drained: (() => void)[] = [];

  constructor(
    private readonly fd: number,
    private readonly buffering: LogBuffering,
  ) {
    this.#chunk = this.#newChunk();
    setInterval(() => this.flush(), buffering.flushIntervalMs).unref();
    process.once('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    const most = line.length * UTF8_PER_UNIT;
    if (this.#used + most > this.#chunk.length) this.#cut();
    // A line larger than a whole chunk (a rare, huge warning) goes out as a chunk of its own.
    if (most > this.#chunk.length) this.#full.push(Buffer.from(line, 'utf8'));
    else this.#used += this.#chunk.write(line, this.#used);
    if (this.lastLevel >= WARN || this.#used >= this.buffering.bufferBytes) this.flush();
    return true;
  }

  /** Starts writing whatever waits; `done` is called once it is written (or could not be). */
  flush(done?: () => void): void {
    this.#cut();
    if (done) this.#drained.push(done);
    this.#next();
  }

  /** Writes whatever waits before returning (process exit). */
  flushSync(): void {
    this.#cut();
    for (const chunk of this.#full.splice(0)) writeAllSync(this.fd, chunk);
  }

  #newChunk(): Buffer {
    // Room for bufferBytes and one more line of up to a few KiB, so most lines never split a chunk.
    return Buffer.allocUnsafe(this.buffering.bufferBytes + 16 * 1024);
  }

  /** The current chunk joins the queue (if it holds anything) and a fresh one takes its place. */
  #cut(): void {
    if (this.#used === 0) return;
    this.#full.push(this.#chunk.subarray(0, this.#used));
    this.#chunk = this.#newChunk();
    this.#used = 0;
  }

  /** Writes the queue out as far as the descriptor takes it now; a full pipe is tried again later. */
  #next(): void {
    if (this.#retrying) return;
    for (let chunk = this.#full[0]; chunk !== undefined; chunk = this.#full[0]) {
      let written: number;
      try {
        written = writeSync(this.fd, chunk);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EBUSY') {
          this.#retrying = true;
          setTimeout(() => {
            this.#retrying = false;
            this.#next();
          }, RETRY_MS).unref();
          return;
        }
        written = chunk.length; // any other error (stdout closed): nothing more can be done for these lines
      }
      if (written < chunk.length) this.#full[0] = chunk.subarray(written);
      else this.#full.shift();
    }
    for (const done of this.#drained.splice(0)) done();
  }
}

/** At exit: the whole chunk, retrying a pipe that is full for a bounded number of times. */
function writeAllSync(fd: number, chunk: Buffer): void {
  let offset = 0;
  for (let refusals = 0; offset < chunk.length && refusals < 10_000;) {
    try {
      offset += writeSync(fd, chunk, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return; // stdout closed: nothing more can be done
      refusals++;
    }
  }
}
