// Installed before the page's own scripts (DevTools'
// Page.addScriptToEvaluateOnNewDocument): what `sparklet bench` reads of a
// page besides `window.sparklet.stats()`. Long tasks on the main thread
// (PerformanceObserver `longtask`), animation frames drawn, and the JS heap.
(() => {
  const probe = { longest: 0, longTasks: 0, frames: 0, since: performance.now() };
  window.__sparkletProbe = probe;
  probe.reset = () => {
    probe.longest = 0;
    probe.longTasks = 0;
    probe.frames = 0;
    probe.since = performance.now();
  };
  try {
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) {
        probe.longest = Math.max(probe.longest, task.duration);
        probe.longTasks += 1;
      }
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    probe.longest = -1;
  }
  const frame = () => {
    probe.frames += 1;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // One sample: the page's figures now, cheap enough to take twice a second.
  probe.sample = () => {
    const s = window.sparklet ? window.sparklet.stats() : null;
    return {
      t: performance.now(),
      state: s ? s.state : null,
      records: s ? s.records : 0,
      batches: s ? s.batches : 0,
      pending: s ? s.pending : 0,
      dropped: s ? s.dropped : 0,
      rate_limit: s ? s.rate_limit : null,
      wasm_bytes: s ? s.wasm_memory_bytes : 0,
      heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : 0,
      busy_ms: s && s.busy_ms !== undefined ? s.busy_ms : 0,
      worker: s ? s.worker === true : false,
      longest_task_ms: probe.longest,
      long_tasks: probe.longTasks,
      frames: probe.frames,
      since: probe.since,
    };
  };
})();
