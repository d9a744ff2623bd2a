// Preloaded into rolegate by benches (node --import): samples rolegate's own
// event loop with perf_hooks.monitorEventLoopDelay and answers over IPC.
// `reset` starts a new window; `report` returns its max, p99 and mean in ms;
// `{ spin: ms }` keeps another thread of this process busy that long (the
// CPU-contention floor: what a busy verifier thread costs the event loop on
// this machine without any SAML work on it).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('message', (message) => {
  if (message === 'reset') {
    histogram.reset();
    process.send?.({ reset: true });
  } else if (message === 'report') {
    const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
    process.send?.({ max: ms(histogram.max), p99: ms(histogram.percentile(99)), mean: ms(histogram.mean) });
  } else if (typeof message?.spin === 'number') {
    const busy = new Worker(`const end = Date.now() + ${Number(message.spin)}; while (Date.now() < end);`, { eval: true });
    busy.once('exit', () => process.send?.({ spun: true }));
  }
});
// The IPC channel must not keep rolegate running once it is asked to stop.
process.channel?.unref();
