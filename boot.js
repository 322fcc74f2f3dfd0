// Loads the dashboard's wasm; the module's start function mounts the page.
// A separate file because the Content-Security-Policy forbids inline scripts.
import init from './pkg/sparklet_dashboard.js';

init().catch((err) => {
  const p = document.createElement('p');
  p.className = 'boot-error';
  p.textContent = `Sparklet could not start: ${err}`;
  document.body.append(p);
});
