// End-to-end test of the classroom page (web/dist, built by web/build.sh) in headless Chromium:
// it loads the page, waits for the first run, checks the numbers against the native binary at
// the same scenario, scale and seed, moves "reporting inflation" to 0, checks that the charts
// changed and again match the native binary, re-runs for determinism, and fails on any console
// error. Run from anywhere: `node web/test/e2e.mjs`.
//
// Environment: CHROMIUM (default /usr/bin/chromium); COMMUNE_SIM_BIN, a native commune-sim
// binary (default: `cargo build --locked` and target/debug/commune-sim); SCREENSHOT_DIR, a folder
// for before.png and after.png (1280×900), not written unless set.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.dirname(web);
const dist = path.join(web, 'dist');
const SCALE = 0.01;
const SEED = 1;
const BUDGET_MS = 2000;

class Failure extends Error {}
function fail(message) {
  throw new Failure(message);
}
const log = (m) => console.log(`e2e: ${m}`);

if (!fs.existsSync(path.join(dist, 'index.html'))) fail('web/dist/index.html is missing: run web/build.sh first');

// ---- Native reference runs -------------------------------------------------------------------

function nativeBinary() {
  if (process.env.COMMUNE_SIM_BIN) return process.env.COMMUNE_SIM_BIN;
  execFileSync('cargo', ['build', '--locked', '--quiet', '--bin', 'commune-sim'], { cwd: root, stdio: 'inherit' });
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--locked'], { cwd: root }));
  return path.join(meta.target_directory, 'debug', 'commune-sim');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'commune-sim-e2e-'));
const bin = nativeBinary();

/** national_yearly.csv of the native binary on `scenario` at SCALE and SEED. */
function nativeYearly(scenario, name) {
  const out = path.join(tmp, name);
  execFileSync(bin, ['run', scenario, '--scale', String(SCALE), '--seed', String(SEED), '--out', out, '--quiet'], { cwd: root, stdio: 'inherit' });
  return fs.readFileSync(path.join(out, 'national_yearly.csv'), 'utf8');
}

function sameCsv(page, native, what) {
  if (page === native) return;
  const a = page.split('\n');
  const b = native.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  fail(`${what}: the page's yearly table differs from the native binary's national_yearly.csv `
    + `(line ${i + 1}):\n  page:   ${a[i]}\n  native: ${b[i]}\n  header: ${a[0]}`);
}

// A copy of scenarios/ (`extends` stays inside a scenario's folder), with what the page runs
// after the slider moves: historical with reporting inflation 0 over the whole run.
const scenarios = path.join(tmp, 'scenarios');
fs.cpSync(path.join(root, 'scenarios'), scenarios, { recursive: true });
const historical = path.join(scenarios, 'historical.toml');
const honest = path.join(scenarios, 'e2e_inflation0.toml');
fs.writeFileSync(honest, 'name = "historical"\nextends = "historical.toml"\n\n[reporting]\ninflation = 0.0\n');

// ---- A static server for web/dist ------------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
};
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const rel = decodeURIComponent(url.pathname).replace(/\/$/, '/index.html');
  const file = path.join(dist, path.normalize(rel));
  if (!file.startsWith(dist + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/`;

// ---- The browser -----------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
let exitCode = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

  const runs = (n) => page.waitForFunction(
    (k) => window.commune && window.commune.runs >= k && !window.commune.running, n, { timeout: 120_000 });

  await page.goto(base);
  await runs(1);
  const first = await page.evaluate(() => ({ r: window.commune.last, ms: window.commune.ms }));
  log(`first run (historical, scale ${first.r.scale}, seed ${first.r.seed}): ${first.r.communes} communes, `
    + `${first.r.teams} teams, ${first.ms.toFixed(0)} ms in the worker`);
  if (first.r.name !== 'historical' || first.r.scale !== SCALE || first.r.seed !== SEED) {
    fail(`the page opened on ${first.r.name} at scale ${first.r.scale}, seed ${first.r.seed}; expected historical, ${SCALE}, ${SEED}`);
  }
  if (first.ms > BUDGET_MS) log(`warning: the run took ${first.ms.toFixed(0)} ms, over the ${BUDGET_MS} ms aim (a busy machine?)`);
  const grainBefore = await page.locator('#chart-grain canvas').first().screenshot();
  if (process.env.SCREENSHOT_DIR) {
    fs.mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'before.png') });
  }
  sameCsv(first.r.yearly_csv, nativeYearly(historical, 'historical'), 'historical');
  log('historical: page = native, byte for byte');

  // Move "reporting inflation" to 0: the page runs again by itself when the slider is released.
  const slider = page.locator('input[data-key="reporting.inflation"]');
  await slider.fill('0');
  await runs(2);
  const second = await page.evaluate(() => ({ r: window.commune.last, prev: window.commune.previous }));
  const knobValue = await page.locator('.knob[data-key="reporting.inflation"] .value').textContent();
  if (!/^0\.00/.test(knobValue)) fail(`the inflation lever shows "${knobValue}" after moving it to 0`);
  if (JSON.stringify(second.r.reported_mt) === JSON.stringify(second.prev.reported_mt)) {
    fail('reported grain did not change when reporting inflation went to 0');
  }
  const grainAfter = await page.locator('#chart-grain canvas').first().screenshot();
  if (grainBefore.equals(grainAfter)) fail('the grain chart looks the same after the run');
  if (process.env.SCREENSHOT_DIR) {
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'after.png') });
  }
  sameCsv(second.r.yearly_csv, nativeYearly(honest, 'inflation0'), 'historical with reporting.inflation = 0');
  log('inflation 0: the charts changed, page = native, byte for byte');

  // Run again with the button: the same numbers (the previous run is now identical).
  await page.click('#run');
  await runs(3);
  const third = await page.evaluate(() => window.commune.last.yearly_csv);
  if (third !== second.r.yearly_csv) fail('running the same levers twice gave different numbers');
  log('run button: same levers, same numbers');

  if (problems.length) fail(`the browser reported problems:\n  ${problems.join('\n  ')}`);
  log(`passed (worker run time at 1%: ${first.ms.toFixed(0)} ms)`);
} catch (err) {
  console.error(`e2e: FAIL: ${err instanceof Failure ? err.message : err.stack || err}`);
  if (problems.length) console.error(`  browser problems:\n  ${problems.join('\n  ')}`);
  exitCode = 1;
} finally {
  await browser.close();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
