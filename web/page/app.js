// The classroom page: a scenario picker, the headline levers, and three charts redrawn after
// each run with the previous run kept as faded lines. The model runs in worker.js
// (WebAssembly, built from web/wasm); the charts are uPlot (vendor/, from npm).
import uPlot from './vendor/uPlot.esm.js';

// Okabe–Ito colours, as in the native charts.
const BLUE = [0, 114, 178];
const VERMILLION = [213, 94, 0];
const GREEN = [0, 158, 115];
const BLACK = [0, 0, 0];
const FADED = 0.3;
const rgba = (c, a = 1) => `rgba(${c.join(',')},${a})`;

const $ = (id) => document.getElementById(id);

/** Creates an element with attributes and children (text or nodes). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// ---- The worker ----------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const waiting = new Map();
let nextId = 1;
worker.onmessage = (e) => {
  const p = waiting.get(e.data.id);
  if (!p) return;
  waiting.delete(e.data.id);
  if (e.data.type === 'error') p.reject(new Error(e.data.message));
  else p.resolve(e.data);
};
worker.onerror = (e) => {
  const err = new Error(`the model could not start: ${e.message || 'worker error'}`);
  for (const p of waiting.values()) p.reject(err);
  waiting.clear();
};

function ask(msg) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ ...msg, id });
  });
}

// ---- State ---------------------------------------------------------------------------------

const state = {
  catalogue: null,
  scenario: null,
  /** key → the lever's value (the scenario's until the student moves it). */
  values: {},
  /** Keys the student moved: only these are sent as changes to the scenario. */
  touched: new Set(),
  running: false,
  pending: false,
  current: null,
  previous: null,
};

// For the end-to-end test (web/test/e2e.mjs) and the curious: `commune` in the console.
window.commune = { runs: 0, running: false, last: null, previous: null, ms: null };

// ---- Formatting ----------------------------------------------------------------------------

function knobText(k, v) {
  if (k.kind === 'switch') return v ? 'on' : 'off';
  if (k.kind === 'choice') return k.names[v] ?? String(v);
  if (k.unit === 'multiplier') return `${v.toFixed(2)} ×`;
  if (k.unit.startsWith('share')) return `${Math.round(v * 100)} %`;
  return `${v} ${k.unit}`;
}

const fixed = (x, d) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const monthOf = (x) => {
  const y = Math.floor(x);
  const m = Math.min(12, Math.max(1, Math.round((x - y) * 12 + 0.5)));
  return `${y}-${String(m).padStart(2, '0')}`;
};

// ---- Levers --------------------------------------------------------------------------------

function buildKnobs() {
  const box = $('knobs');
  box.textContent = '';
  for (const k of state.catalogue.knobs) {
    const id = `knob-${k.key.replace('.', '-')}`;
    const value = el('output', { for: id, class: 'value' });
    const head = el('div', { class: 'knob-head' }, el('label', { for: id }, k.label), value);
    const div = el('div', { class: `knob ${k.kind}`, 'data-key': k.key }, head);
    let input;
    if (k.kind === 'range') {
      input = el('input', {
        type: 'range', id, min: k.min, max: k.max, step: k.step, 'data-key': k.key,
      });
      const track = el('div', { class: 'track' }, input, historicalMark(k));
      const ends = el('div', { class: 'ends' },
        el('span', {}, knobText(k, k.min)),
        el('span', { class: 'unit' }, k.unit),
        el('span', {}, knobText(k, k.max)));
      div.append(track, ends);
      input.addEventListener('input', () => moved(k, Number(input.value)));
    } else if (k.kind === 'switch') {
      input = el('input', { type: 'checkbox', id, 'data-key': k.key });
      div.append(el('label', { class: 'switch' }, input, ' allowed (the scenario says when, and for how many)'));
      input.addEventListener('input', () => moved(k, input.checked ? 1 : 0));
    } else {
      input = el('select', { id, 'data-key': k.key });
      k.names.forEach((n, i) => input.append(el('option', { value: i }, n)));
      div.append(input);
      input.addEventListener('input', () => moved(k, Number(input.value)));
    }
    input.addEventListener('change', () => requestRun());
    const hist = k.historical;
    div.append(el('p', { class: 'hint' },
      el('span', { class: 'hist' }, `▲ historical: ${hist.varies ? hist.text : knobText(k, hist.value)}`),
      el('span', { class: 'scen' }),
      ` ${k.doc.replace(/^Headline:\s*/, '')}`));
    box.append(div);
  }
}

/** The historical value (or range, for a schedule that changed) marked under a slider. */
function historicalMark(k) {
  const h = k.historical;
  const p = (x) => Math.min(1, Math.max(0, (x - k.min) / (k.max - k.min)));
  const mark = el('div', { class: h.varies ? 'mark band' : 'mark', title: `historical: ${h.text}` });
  mark.style.setProperty('--lo', p(h.lo));
  mark.style.setProperty('--hi', p(h.hi));
  return mark;
}

function moved(k, v) {
  state.values[k.key] = v;
  state.touched.add(k.key);
  showKnob(k);
}

function showKnob(k) {
  const div = document.querySelector(`.knob[data-key="${k.key}"]`);
  const input = div.querySelector('[data-key]');
  const v = state.values[k.key];
  const scen = state.scenario.values[k.key];
  const asScenario = !state.touched.has(k.key);
  if (k.kind === 'switch') input.checked = v !== 0;
  else input.value = String(v);
  div.querySelector('.value').textContent =
    asScenario && scen.varies ? `varies ${knobText(k, scen.lo)}–${knobText(k, scen.hi)}` : knobText(k, v);
  div.classList.toggle('changed', !asScenario);
  div.querySelector('.scen').textContent = asScenario && scen.varies && scen.text !== k.historical.text
    ? ` · in this scenario: ${scen.text}.` : '';
}

function setScenario(entry) {
  state.scenario = entry;
  state.touched.clear();
  for (const k of state.catalogue.knobs) {
    state.values[k.key] = entry.values[k.key].value;
  }
  for (const k of state.catalogue.knobs) showKnob(k);
  $('scenario-description').textContent = entry.description;
  $('seed').value = entry.seed;
}

// ---- Runs ----------------------------------------------------------------------------------

function requestRun() {
  if (state.running) {
    state.pending = true;
    return;
  }
  doRun();
}

function describe(keys, scale, seed) {
  const parts = [state.scenario.name];
  for (const key of keys) {
    const k = state.catalogue.knobs.find((x) => x.key === key);
    parts.push(`${k.label.toLowerCase()} ${knobText(k, state.values[key])}`);
  }
  if (scale !== state.catalogue.scale) parts.push(`${scale * 100}% of communes`);
  if (seed !== state.scenario.seed) parts.push(`seed ${seed}`);
  return parts.join(', ');
}

async function doRun() {
  const seed = Number($('seed').value);
  if (!Number.isInteger(seed) || seed < 0) {
    setStatus('The seed must be a whole number, 0 or more.', 'error');
    return;
  }
  const scale = Number($('scale').value);
  const keys = [...state.touched];
  const values = keys.map((k) => state.values[k]);
  const label = describe(keys, scale, seed);
  state.running = true;
  window.commune.running = true;
  $('run').disabled = true;
  $('run').textContent = 'Running…';
  document.body.classList.add('busy');
  setStatus(`Running ${label}…`);
  try {
    const { result, ms } = await ask({
      type: 'run', file: state.scenario.file, keys, values, scale, seed,
    });
    result.label = label;
    state.previous = state.current;
    state.current = result;
    draw();
    setStatus(`${result.communes} communes, ${result.teams.toLocaleString('en')} production teams, `
      + `${result.years[0]}–${result.years[result.years.length - 1]}: ran in ${(ms / 1000).toFixed(2)} s.`);
    Object.assign(window.commune, {
      runs: window.commune.runs + 1, last: result, previous: state.previous, ms,
    });
  } catch (err) {
    setStatus(`The run failed: ${err.message}`, 'error');
    console.error(err);
  } finally {
    $('run').disabled = false;
    $('run').textContent = 'Run';
    document.body.classList.remove('busy');
    state.running = false;
    if (state.pending) {
      state.pending = false;
      doRun();
    } else {
      window.commune.running = false;
    }
  }
}

function setStatus(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = kind;
}

// ---- Charts --------------------------------------------------------------------------------

const charts = {};

/**
 * Draws a chart into the figure `id`. Each series: {label, xs, ys, colour, faded, dash, points,
 * decimals}. Faded series (the previous run) are drawn first and left out of the legend.
 */
function chart(id, { yLabel, monthly, series }) {
  const fig = $(id);
  charts[id]?.destroy();
  const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const data = [xs, ...series.map((s) => {
    const at = new Map(s.xs.map((x, i) => [x, s.ys[i]]));
    return xs.map((x) => (at.has(x) ? at.get(x) : null));
  })];
  const width = Math.max(280, fig.clientWidth - 4);
  // Two rows of charts fill the window below the header, within reason.
  const height = Math.round(Math.min(340, Math.max(200, (window.innerHeight - 330) / 2, width * 0.45)));
  const opts = {
    width,
    height,
    scales: {
      x: { time: false },
      y: { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] },
    },
    axes: [
      {
        label: monthly ? 'month (ticks at January)' : 'year',
        incrs: [1],
        values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')),
        font: '13px sans-serif',
        labelFont: '13px sans-serif',
        labelSize: 20,
      },
      { label: yLabel, size: 52, font: '13px sans-serif', labelFont: '13px sans-serif', labelSize: 22 },
    ],
    series: [
      { label: monthly ? 'month' : 'year', value: (u, v) => (v == null ? '–' : monthly ? monthOf(v) : String(v)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: rgba(s.colour, s.faded ? FADED : 1),
        width: s.faded ? 2 : 2.5,
        dash: s.dash,
        spanGaps: true,
        value: (u, v) => fixed(v, s.decimals ?? 1),
        ...(s.points
          ? { paths: () => null, points: { show: true, space: 0, size: 8, fill: rgba(s.colour), stroke: rgba(s.colour) } }
          : { points: { show: !monthly, size: 5, fill: rgba(s.colour, s.faded ? FADED : 1) } }),
      })),
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const u = new uPlot(opts, data, fig);
  const rows = u.root.querySelectorAll('.u-legend .u-series');
  series.forEach((s, i) => {
    if (s.faded && rows[i + 1]) rows[i + 1].style.display = 'none';
  });
  charts[id] = u;
}

const yearsOf = (r) => r.years;
const official = (pairs) => ({ xs: pairs.map((p) => p[0]), ys: pairs.map((p) => p[1]) });

function draw() {
  const cur = state.current;
  const prev = state.previous;
  const faded = (r, f) => (prev ? [{ ...f(prev), faded: true }] : []);

  const grainLines = (r) => [
    { label: 'true harvest', xs: yearsOf(r), ys: r.output_mt, colour: BLUE },
    { label: 'reported', xs: yearsOf(r), ys: r.reported_mt, colour: VERMILLION },
    { label: 'procured by the state', xs: yearsOf(r), ys: r.procured_mt, colour: GREEN },
  ];
  chart('chart-grain', {
    yLabel: 'Mt raw grain a year',
    series: [
      ...(prev ? grainLines(prev).map((s) => ({ ...s, faded: true })) : []),
      ...grainLines(cur),
      { label: 'official harvest', ...official(cur.official.output_mt), colour: BLACK, points: true },
    ],
  });

  const food = (r) => ({
    label: 'grain eaten', xs: r.months, ys: r.food_kg_day, colour: BLUE, decimals: 2,
  });
  chart('chart-food', {
    yLabel: 'kg raw grain per person a day',
    monthly: true,
    series: [
      ...faded(prev, food),
      food(cur),
      {
        label: 'need', xs: cur.months, ys: cur.months.map(() => cur.need_kg_day), colour: BLACK, dash: [6, 4], decimals: 2,
      },
    ],
  });

  const deaths = (r) => ({
    label: 'model', xs: yearsOf(r), ys: r.cdr_per_1000, colour: VERMILLION,
  });
  chart('chart-deaths', {
    yLabel: 'deaths per 1,000 a year',
    series: [
      ...faded(prev, deaths),
      deaths(cur),
      { label: 'registered', ...official(cur.official.cdr_per_1000), colour: BLACK, points: true },
    ],
  });

  headline(cur, prev);
  $('compare').replaceChildren(
    el('span', { class: 'now' }, `Solid: ${cur.label}`),
    prev ? el('span', { class: 'before' }, ` · faded: previous run (${prev.label})`) : '');
}

/** The few numbers a class would write on the board. */
function headline(cur, prev) {
  const facts = (r) => {
    const worst = r.cdr_per_1000.reduce((b, v, i) => (v > r.cdr_per_1000[b] ? i : b), 0);
    const lean = r.food_kg_day.reduce((b, v, i) => (v < r.food_kg_day[b] ? i : b), 0);
    const gap = r.years.reduce((b, _, i) => (
      r.reported_mt[i] / r.output_mt[i] > r.reported_mt[b] / r.output_mt[b] ? i : b), 0);
    return {
      excess: `${fixed(r.excess_deaths_m, 1)} million`,
      worst: `${r.years[worst]}: ${fixed(r.cdr_per_1000[worst], 1)} per 1,000`,
      lean: `${monthOf(r.months[lean])}: ${fixed(r.food_kg_day[lean], 2)} kg a day`,
      gap: `${r.years[gap]}: ${fixed(r.output_mt[gap], 0)} Mt grown, ${fixed(r.reported_mt[gap], 0)} Mt reported`,
    };
  };
  const a = facts(cur);
  const b = prev ? facts(prev) : null;
  const [y0, y1] = cur.leap_years;
  const rows = [
    [`Excess deaths ${y0}–${y1}`, 'excess'],
    ['Worst year (death rate)', 'worst'],
    [`Leanest month (need ${fixed(cur.need_kg_day, 2)} kg)`, 'lean'],
    ['Most inflated harvest', 'gap'],
  ];
  const dl = el('dl');
  for (const [title, key] of rows) {
    dl.append(el('dt', {}, title), el('dd', {}, el('strong', {}, a[key]),
      b ? el('span', { class: 'before' }, ` (before: ${b[key]})`) : ''));
  }
  $('headline').replaceChildren(el('h2', {}, 'This run, in numbers'), dl,
    el('p', { class: 'hint' }, 'National equivalents: the simulated communes scaled up to all of China. '
      + 'Excess deaths: deaths above the 1957 death rate.'));
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => state.current && draw(), 150);
});

// ---- Start ---------------------------------------------------------------------------------

async function main() {
  const { catalogue } = await ask({ type: 'catalogue' });
  state.catalogue = catalogue;
  const select = $('scenario');
  select.textContent = '';
  catalogue.scenarios.forEach((s, i) => select.append(el('option', { value: i }, s.name)));
  select.disabled = false;
  buildKnobs();
  setScenario(catalogue.scenarios[0]);
  select.addEventListener('change', () => {
    setScenario(catalogue.scenarios[Number(select.value)]);
    requestRun();
  });
  $('scale').addEventListener('change', requestRun);
  $('seed').addEventListener('change', requestRun);
  $('run').addEventListener('click', requestRun);
  $('reset').addEventListener('click', () => {
    setScenario(state.scenario);
    requestRun();
  });
  $('run').disabled = false;
  $('reset').disabled = false;
  requestRun();
}

main().catch((err) => {
  setStatus(`The model could not start: ${err.message}`, 'error');
  console.error(err);
});
