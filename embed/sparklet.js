// Sparklet's engine and receiver without the dashboard: a stream of your
// own, in a Web Worker of its own, reporting each batch to your page.
//
//   import { Sparklet } from './sparklet.js';
//   const s = await Sparklet.start({ feed: 'ws://localhost:8080/feed/words', batch: '1s' });
//   s.onBatch((report) => console.log(report.batch, report.output));
//
// The options are the dashboard's URL parameters (feed, pipeline, batch,
// event_time, resume, backpressure, max_keys, checkpoint, buffer); a value
// out of range is refused with a message naming it.

const WORKER = new URL('./worker.js', import.meta.url);

export class Sparklet {
  #worker;
  #listeners = new Set();
  #stats = null;
  #output = null;

  constructor(worker) {
    this.#worker = worker;
  }

  /** Starts a stream; resolves once it runs, rejects with why it cannot. */
  static start(options) {
    if (!options || typeof options.feed !== 'string' || options.feed === '') {
      return Promise.reject(new Error('Sparklet.start needs a feed: a ws://, wss://, http:// or https:// URL'));
    }
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined || value === null) continue;
      if (name === 'batch' && typeof value === 'number') query.set(name, `${value}ms`);
      else if (typeof value === 'boolean') query.set(name, value ? '1' : '0');
      else query.set(name, String(value));
    }
    const worker = new Worker(WORKER, { type: 'module', name: 'sparklet-stream' });
    const s = new Sparklet(worker);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.onmessage = (e) => {
        const reply = JSON.parse(e.data);
        if (reply.Failed !== undefined) {
          const error = new Error(reply.Failed);
          if (!started) {
            worker.terminate();
            reject(error);
          } else {
            console.error(`Sparklet: ${reply.Failed}`);
          }
          return;
        }
        if (reply.Report) {
          s.#take(reply.Report);
          if (!started) {
            started = true;
            resolve(s);
          }
        }
      };
      worker.onerror = (e) => {
        const error = new Error(`Sparklet's worker stopped: ${e.message || 'worker.js did not load'}`);
        if (!started) reject(error);
        else console.error(error);
      };
      worker.postMessage(JSON.stringify({ Embed: { query: query.toString() } }));
    });
  }

  #take(report) {
    this.#stats = report.stats;
    for (const batch of report.batches) {
      if (batch.output !== null) this.#output = batch.output;
      for (const listener of this.#listeners) {
        try {
          listener(batch);
        } catch (err) {
          console.error(err);
        }
      }
    }
  }

  /** Calls `listener` with each completed batch's report; returns a function that stops it. */
  onBatch(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The stream's figures as of its last report (the dashboard's `stats()`). */
  stats() {
    if (!this.#stats) return null;
    return { ...this.#stats, output: this.#output };
  }

  /** Stops the stream and its worker; no report comes after. */
  stop() {
    this.#listeners.clear();
    this.#worker.onmessage = null;
    this.#worker.terminate();
  }
}
