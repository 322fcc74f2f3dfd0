// The baseline: the default word count (`split | lower |
// count_by_value_and_window LEN | top N`) in plain JavaScript, written the
// way a JS developer would write it, run in the same page on the same
// frames as Sparklet's wasm engine. `sparklet bench` runs this file with
// WebDriver's executeAsyncScript; its last argument is the callback.
const [feedUrl, opts, rounds, done] = arguments;

// A feed's first frame may announce it (`{"sparklet": {"resume": true,
// ...}}`): that is not data, as the page also takes it.
const isHello = (text) => {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'sparklet' in v;
  } catch (e) {
    return false;
  }
};

// Every record frame of a feed that ends by itself (`limit=`).
const collect = (url) => new Promise((resolve, reject) => {
  const frames = [];
  let first = true;
  const ws = new WebSocket(url);
  ws.onmessage = (e) => {
    const hello = first && typeof e.data === 'string' && isHello(e.data);
    first = false;
    if (!hello) frames.push(e.data);
  };
  ws.onerror = () => reject(new Error(`cannot read ${url}`));
  ws.onclose = () => resolve(frames);
});

const topOf = (counts, n) => [...counts]
  .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  .slice(0, n);

// Panes per batch, a window kept incrementally (add the entering pane,
// subtract the leaving one, drop zeros), the top N after each batch.
function jsWordCount(frames, framesPerBatch, windowBatches, n) {
  const panes = [];
  const window = new Map();
  let top = [];
  for (let i = 0; i < frames.length; i += framesPerBatch) {
    const pane = new Map();
    const end = Math.min(i + framesPerBatch, frames.length);
    for (let f = i; f < end; f++) {
      for (const word of frames[f].split(/\s+/)) {
        if (word === '') continue;
        const w = word.toLowerCase();
        pane.set(w, (pane.get(w) || 0) + 1);
      }
    }
    panes.push(pane);
    for (const [w, k] of pane) window.set(w, (window.get(w) || 0) + k);
    if (panes.length > windowBatches) {
      for (const [w, k] of panes.shift()) {
        const left = window.get(w) - k;
        if (left === 0) window.delete(w);
        else window.set(w, left);
      }
    }
    top = topOf(window, n);
  }
  return top;
}

collect(feedUrl).then((frames) => {
  const wasmMs = [];
  const jsMs = [];
  let wasm = null;
  let js = null;
  // Alternate, so both see the same state of a shared, noisy machine.
  for (let r = 0; r < rounds; r++) {
    wasm = window.sparklet.runFrames(frames, opts);
    wasmMs.push(wasm.elapsed_ms);
    const t0 = performance.now();
    js = jsWordCount(frames, opts.frames_per_batch, opts.window_batches, opts.top);
    jsMs.push(performance.now() - t0);
  }
  done({
    frames: frames.length,
    bytes: frames.reduce((n, f) => n + f.length, 0),
    records: wasm.records,
    wasm_ms: wasmMs,
    js_ms: jsMs,
    wasm_output: wasm.output,
    js_output: js,
  });
}, (err) => done({ error: String(err) }));
