// Preloaded into rolegate by benches (node --import): samples rolegate's own
// event loop with perf_hooks.monitorEventLoopDelay and answers over IPC.
// `reset` starts a new window; `report` returns its max, p99 and mean in ms,
// and the CPU time the main thread used in it (process.threadCpuUsage, Node
// 23.9+): unlike the delay, it hardly moves when other work shares the machine;
// `{ spin: ms }` keeps another thread of this process busy that long (the
// CPU-contention floor: what a busy verifier thread costs the event loop on
// this machine without any SAML work on it).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
const threadCpuMs = () => {
  const usage = process.threadCpuUsage?.();
  return usage ? (usage.user + usage.system) / 1000 : NaN;
};
let cpuAtReset = threadCpuMs();
process.on('message', (message) => {
  if (message === 'reset') {
    histogram.reset();
    cpuAtReset = threadCpuMs();
    process.send?.({ reset: true });
  } else if (message === 'report') {
    const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
    const mainThreadCpuMs = Math.round((threadCpuMs() - cpuAtReset) * 10) / 10;
    process.send?.({ max: ms(histogram.max), p99: ms(histogram.percentile(99)), mean: ms(histogram.mean), mainThreadCpuMs });
  } else if (typeof message?.spin === 'number') {
    const busy = new Worker(`const end = Date.now() + ${Number(message.spin)}; while (Date.now() < end);`, { eval: true });
    busy.once('exit', () => process.send?.({ spun: true }));
  }
});
// The IPC channel must not keep rolegate running once it is asked to stop.
process.channel?.unref();
