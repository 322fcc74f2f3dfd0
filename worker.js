// The stream's thread (src/worker.rs): the same wasm as the page, started
// with `worker_main` instead of the dashboard. The receiver, the engine,
// the batch timer, the checkpoint writer and the sink run here; the page
// only draws what this worker posts, once per batch.
import init, { worker_main } from './pkg/sparklet_dashboard.js';

// Commands sent while the wasm loads wait here, in order.
const early = [];
self.onmessage = (e) => early.push(e.data);

init().then(
  () => worker_main(early),
  (err) => self.postMessage(JSON.stringify({ Failed: `the stream's worker could not start: ${err}` })),
);
