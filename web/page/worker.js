// The model runs here, off the page's main thread, so the page stays responsive during a run.
// Messages in: {id, type: 'catalogue'} or {id, type: 'run', file, keys, values, scale, seed}.
// Messages out: {id, type: 'catalogue', catalogue} | {id, type: 'result', result, ms} |
// {id, type: 'error', message}. Results are the JSON the wasm module returns, parsed.
import init, { catalogue, run } from './pkg/commune_sim_web.js';

const ready = init();

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    await ready;
    if (msg.type === 'catalogue') {
      self.postMessage({ id: msg.id, type: 'catalogue', catalogue: JSON.parse(catalogue()) });
    } else if (msg.type === 'run') {
      const t0 = performance.now();
      const text = run(msg.file, msg.keys, Float64Array.from(msg.values), msg.scale, msg.seed);
      const ms = performance.now() - t0;
      self.postMessage({ id: msg.id, type: 'result', result: JSON.parse(text), ms });
    } else {
      throw new Error(`unknown message type ${msg.type}`);
    }
  } catch (err) {
    self.postMessage({ id: msg.id, type: 'error', message: String((err && err.message) || err) });
  }
};
