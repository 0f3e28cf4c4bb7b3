// Browser test of the sigma2kql playground: headless Chromium (the system's
// chromium, driven by playwright-core) against `sigma2kql serve` on
// 127.0.0.1. Every query the page shows is compared with what the same
// binary's `convert` prints for the same rule, target, pipeline and format,
// read as soon as the input event is handled (the page converts at once).
//
// usage: node test.mjs --bin PATH/sigma2kql [--chromium PATH] [--screenshot FILE.png] [--metrics FILE.json]
// KQLCHECK_DIR: where `npm ci` installed @kusto/language-service-next
// (the checks of KQL validation need it). Exit status 0 when every check
// passed.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = 'rules/windows/image_load/image_load_dll_cmstp_susp_location.yml';
const SEED_GOLDEN = 'golden/kusto-microsoft_xdr/windows/image_load/image_load_dll_cmstp_susp_location.kql';

function parseArgs(argv) {
  const o = { bin: '', chromium: process.env.CHROMIUM || '/usr/bin/chromium', screenshot: '', metrics: '' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${argv[i]}`);
    o[key] = argv[++i];
  }
  if (!o.bin) throw new Error('--bin PATH/sigma2kql is required');
  o.bin = path.resolve(o.bin);
  return o;
}

// ---------------------------------------------------------------- reporting

let failures = 0;
function check(ok, what, detail) {
  if (ok) console.log(`ok   ${what}`);
  else {
    failures++;
    console.log(`FAIL ${what}${detail ? '\n' + String(detail).replace(/^/gm, '     ') : ''}`);
  }
}

// ---------------------------------------------------------------- server and CLI

// serve starts `sigma2kql serve` on a free loopback port and returns its
// URL and process.
function serve(bin, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve printed no URL within 20 s: ' + out)), 20000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[0], proc: p, banner: out.trim() }); }
    });
    p.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

// cli runs `sigma2kql convert` on rule.yml (and the given filter files) in
// a temporary directory, as the page names them.
function cli(bin, { target, pipeline, format, rule, filters = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtest-'));
  try {
    fs.writeFileSync(path.join(dir, 'rule.yml'), rule);
    const args = ['convert', '-t', target, '-f', format];
    for (const p of [].concat(pipeline || [])) args.push('-p', p);
    for (const f of filters) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.copyFileSync(path.join(repo, f), path.join(dir, f));
      args.push('--filter', f);
    }
    args.push('rule.yml');
    try {
      return { stdout: execFileSync(bin, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
    } catch (e) {
      return { stdout: e.stdout, stderr: e.stderr };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- page helpers

// open loads url in a new page and waits for the first query. Requests to
// any origin but the server's are aborted and recorded.
async function open(ctx, url, log) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => log.errors.push(e.message));
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => window.playgroundTiming && window.playgroundTiming.firstQuery !== undefined, null, { timeout: 30000 });
  log.wallMs = Date.now() - t0;
  return page;
}

async function view(page) {
  return page.evaluate(() => ({
    target: document.getElementById('target').value,
    pipeline: document.getElementById('pipeline').value,
    pipeline2: document.getElementById('pipeline2').value,
    format: document.getElementById('format').value,
    rule: document.getElementById('rule').value,
    output: document.getElementById('output').value,
    filters: [...document.querySelectorAll('#filter-list input:checked')].map((b) => b.value),
    diagnostics: [...document.querySelectorAll('#diagnostics li')].map((li) => li.textContent),
  }));
}

async function choose(page, sel) {
  for (const [id, value] of Object.entries(sel)) {
    await page.selectOption('#' + id, value);
  }
}

async function setRule(page, text) {
  await page.fill('#rule', text);
}

// ---------------------------------------------------------------- checks

async function checkSeed(page, log, metrics) {
  const v = await view(page);
  const golden = fs.readFileSync(path.join(repo, SEED_GOLDEN), 'utf8');
  check(v.output === golden, 'the seed rule gives the documented query (' + SEED_GOLDEN + ')', `page:\n${v.output}\ngolden:\n${golden}`);
  const t = await page.evaluate(() => window.playgroundTiming);
  metrics.firstQueryMs = Math.round(t.firstQuery);
  metrics.wasmReadyMs = Math.round(t.wasmReady);
  metrics.firstConvertMs = +t.firstConvertMs.toFixed(1);
  // The first conversion also parses the pipeline (YAML and its table
  // schema); later ones, as you type, reuse it.
  const warm = await page.evaluate(() => {
    const req = JSON.stringify(request());
    const ms = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      convert(JSON.parse(req));
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[3];
  });
  metrics.convertMs = +warm.toFixed(1);
  check(warm < 100, `the seed converts in ${warm.toFixed(1)} ms once the page has loaded (< 100 ms; the first conversion, with the pipeline's parsing: ${t.firstConvertMs.toFixed(0)} ms)`);
}

async function checkFormats(page, bin) {
  const seed = fs.readFileSync(path.join(repo, SEED), 'utf8');
  const targets = await page.$$eval('#target option', (os) => os.map((o) => o.value));
  const seen = new Set();
  for (const target of targets) {
    await choose(page, { target });
    const pipelines = (await page.$$eval('#pipeline option', (os) => os.map((o) => o.value))).filter(Boolean);
    const formats = await page.$$eval('#format option', (os) => os.map((o) => o.value));
    // Every pipeline in the default format, then every other format with
    // the first pipeline that converts the seed.
    let converts = '';
    const compare = async (pipeline, format) => {
      await choose(page, { pipeline, format });
      const v = await view(page);
      const want = cli(bin, { target, pipeline, format, rule: seed });
      check(v.output === want.stdout, `${target} / ${pipeline} / ${format}: output equals the CLI's${v.output ? '' : ' (none)'}`, `page:\n${v.output}\nCLI:\n${want.stdout}${want.stderr}`);
      seen.add(v.output);
      if (v.output && !converts) converts = pipeline;
    };
    for (const p of pipelines) await compare(p, formats[0]);
    check(converts !== '', `a ${target} pipeline converts the seed`);
    for (const f of formats.slice(1)) await compare(converts, f);
  }
  check(seen.size > 3, `switching target, pipeline and format changes the output (${seen.size} different outputs)`);
  // Two built-in pipelines, as -p A -p B.
  await choose(page, { target: 'splunk' });
  await choose(page, { pipeline: 'splunk_windows', pipeline2: 'splunk_sysmon_acceleration', format: 'default' });
  const two = await view(page);
  const want = cli(bin, { target: 'splunk', pipeline: ['splunk_windows', 'splunk_sysmon_acceleration'], format: 'default', rule: seed });
  check(two.output === want.stdout, 'splunk / splunk_windows and splunk_sysmon_acceleration: output equals the CLI\'s', `page:\n${two.output}\nCLI:\n${want.stdout}${want.stderr}`);
  await choose(page, { pipeline2: '' });
  await choose(page, { target: 'kusto' });
  await choose(page, { pipeline: 'microsoft_xdr', format: 'default' });
}

async function checkMisspelt(page, bin) {
  const seed = fs.readFileSync(path.join(repo, SEED), 'utf8');
  const bad = seed.replace('ImageLoaded|contains:', 'ImageLoaded|contians:');
  await setRule(page, bad);
  const want = cli(bin, { target: 'kusto', pipeline: 'microsoft_xdr', format: 'default', rule: bad }).stderr.split('\n')[0];
  const m = /^rule\.yml:(\d+):(\d+): /.exec(want);
  check(m && /did you mean/.test(want), 'the CLI reports the misspelt modifier with a suggestion', want);
  if (!m) return;
  const line = +m[1];
  const mark = await page.$eval(`#rule-editor .gutter [data-line="${line}"]`, (g) => ({ cls: g.className, title: g.title }));
  check(mark.cls === 'mark-error' && mark.title === want, `the misspelt modifier is marked at line ${line} with the CLI's message`, JSON.stringify(mark));
  const underlined = await page.$eval('#rule-editor .backdrop mark', (mk) => mk.textContent).catch(() => '');
  check(underlined === 'contians', `the editor underlines the modifier at column ${m[2]}`, underlined);
  const v = await view(page);
  check(v.diagnostics.includes(want), 'the diagnostics list holds the CLI line', v.diagnostics.join('\n'));
  check(v.output === '', 'a failing rule gives no query');
  await setRule(page, seed);
}

async function checkFilters(page, bin) {
  const seed = fs.readFileSync(path.join(repo, SEED), 'utf8');
  const boxes = await page.$$eval('#filter-list input', (bs) => bs.map((b) => b.value));
  check(boxes.length > 0, `the seed offers its false-positive filters (${boxes.length})`);
  for (const f of boxes.slice(0, 2)) await page.check(`#filter-list input[value="${f}"]`);
  const v = await view(page);
  const want = cli(bin, { target: 'kusto', pipeline: 'microsoft_xdr', format: 'default', rule: seed, filters: v.filters });
  check(v.filters.length === 2 && v.output === want.stdout, 'two filters toggled on: output equals the CLI with --filter', `page:\n${v.output}\nCLI:\n${want.stdout}${want.stderr}`);
}

async function checkKQL(page, withKusto) {
  const status = () => page.textContent('#kql-status');
  if (!withKusto) {
    await page.waitForFunction(() => /unavailable/.test(document.getElementById('kql-status').textContent), null, { timeout: 10000 }).catch(() => {});
    const s = await status();
    check(/^KQL validation unavailable: /.test(s), 'without the Kusto package the page says why validation is unavailable', s);
    return;
  }
  await page.waitForFunction(() => /quer(y|ies) valid|problem/.test(document.getElementById('kql-status').textContent), null, { timeout: 30000 }).catch(() => {});
  check(/1 query valid/.test(await status()), 'the seed query is valid KQL for the pipeline\'s tables', await status());
  // A user pipeline that sends the query to a table the pipelines'
  // schemas do not have.
  await page.click('#user-pipeline summary');
  await page.fill('#userpipeline', 'name: other_table\npriority: 200\nquery_table: NoSuchTable_CL\n');
  await page.waitForFunction(() => /problem/.test(document.getElementById('kql-status').textContent), null, { timeout: 10000 }).catch(() => {});
  const marked = await page.$$eval('#output-editor .gutter .mark-error', (gs) => gs.map((g) => g.dataset.line + ' ' + g.title));
  check(marked.length > 0 && marked.some((m) => /^1 KQL KS\d+: .*NoSuchTable_CL/.test(m)), 'an unknown table is marked on the query with Kusto\'s diagnostic', marked.join('\n') + '\n' + await status());
  // The same in a deployable format: marked where the query sits in the file.
  await choose(page, { format: 'sentinel_rule' });
  // The status already says "problem" from the default format: wait for
  // the YAML's own marks, at the line of the query's table.
  await page.waitForFunction(() => {
    const line = document.getElementById('output').value.split('\n').findIndex((l) => /^ +NoSuchTable_CL$/.test(l)) + 1;
    return line > 0 && Array.from(document.querySelectorAll('#output-editor .gutter .mark-error')).some((g) => g.dataset.line === String(line));
  }, null, { timeout: 15000 }).catch(() => {});
  const inYAML = await page.$$eval('#output-editor .gutter .mark-error', (gs) => gs.map((g) => g.dataset.line + ' ' + g.title));
  const yamlLine = (await page.inputValue('#output')).split('\n').findIndex((l) => /^ +NoSuchTable_CL$/.test(l)) + 1;
  check(yamlLine > 0 && inYAML.some((m) => m.startsWith(yamlLine + ' KQL KS')), `in Sentinel YAML the unknown table is marked at its line (${yamlLine})`, inYAML.join('\n'));
  await choose(page, { format: 'default' });
  await page.fill('#userpipeline', '');
}

async function checkShare(ctx, page, url, log) {
  const seed = fs.readFileSync(path.join(repo, SEED), 'utf8');
  await choose(page, { target: 'splunk' });
  await choose(page, { pipeline: 'splunk_windows', format: 'savedsearches' });
  await setRule(page, seed.replace('Cmstpt.EXE', 'Cmstp.exe (shared)'));
  const before = await view(page);
  const link = page.url();
  const again = await open(ctx, link, log);
  const after = await view(again);
  check(link.startsWith(url + '#') && JSON.stringify(after) === JSON.stringify(before), 'a shared URL restores the view (target, pipeline, format, rule, filters, output)',
    `link ${link}\nbefore ${JSON.stringify(before).slice(0, 400)}\nafter  ${JSON.stringify(after).slice(0, 400)}`);
  const [dl] = await Promise.all([again.waitForEvent('download'), again.click('#download')]);
  const file = await dl.path();
  const text = fs.readFileSync(file, 'utf8');
  const name = await again.textContent('#output-name');
  check(text === after.output && dl.suggestedFilename() === name, `download gives the output as ${dl.suggestedFilename()}`, name);
  await again.close();
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const kustoDir = process.env.KQLCHECK_DIR || '';
  const env = { ...process.env };
  const metrics = {};
  const server = await serve(o.bin, env);
  console.log(server.banner);
  const origin = new URL(server.url).origin;
  const browser = await chromium.launch({ executablePath: o.chromium, args: ['--no-sandbox'] });
  const foreign = [];
  const requests = [];
  try {
    const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 720 } });
    await ctx.route('**/*', (route) => {
      const u = route.request().url();
      requests.push(u);
      if (new URL(u).origin !== origin && !u.startsWith('blob:') && !u.startsWith('data:')) {
        foreign.push(u);
        return route.abort();
      }
      return route.continue();
    });
    const log = { errors: [] };
    const page = await open(ctx, server.url, log);
    metrics.loadWallMs = log.wallMs;
    if (o.screenshot) {
      await page.waitForTimeout(kustoDir ? 1500 : 300);
      await page.screenshot({ path: o.screenshot });
    }
    await checkSeed(page, log, metrics);
    // A second visit: the files revalidated by ETag, the compiled
    // WebAssembly from Chromium's code cache.
    await page.reload();
    await page.waitForFunction(() => window.playgroundTiming && window.playgroundTiming.firstQuery !== undefined);
    metrics.reloadFirstQueryMs = Math.round(await page.evaluate(() => window.playgroundTiming.firstQuery));
    await checkKQL(page, kustoDir !== '');
    await checkMisspelt(page, o.bin);
    await checkFilters(page, o.bin);
    await page.goto(server.url + '#');
    await page.reload();
    await page.waitForFunction(() => window.playgroundTiming && window.playgroundTiming.firstQuery !== undefined);
    await checkFormats(page, o.bin);
    await checkShare(ctx, page, server.url, log);
    metrics.pageBytes = await pageSize(server.url);
    check(log.errors.length === 0, 'no script error in the page', log.errors.join('\n'));
    check(foreign.length === 0 && requests.length > 0, `nothing requested from another host (${requests.length} requests, all to ${origin})`, foreign.join('\n'));
    await ctx.close();
    if (kustoDir) await checkWithoutKusto(browser, o.bin);
  } finally {
    await browser.close();
    server.proc.kill();
  }
  console.log('metrics ' + JSON.stringify(metrics));
  if (o.metrics) fs.writeFileSync(o.metrics, JSON.stringify(metrics, null, 1) + '\n');
  if (failures) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('all checks passed');
}

// pageSize is what the page transfers before it converts (compressed
// where the server compresses), without the optional Kusto bundle.
async function pageSize(url) {
  const out = {};
  for (const f of ['', 'style.css', 'wasm_exec.js', 'app.js', 'sigma2kql.wasm', 'examples.json', 'catalog.json']) {
    out[f || 'index.html'] = await new Promise((resolve, reject) => {
      http.get(url + f, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        let n = 0;
        res.on('data', (d) => { n += d.length; });
        res.on('end', () => resolve(n));
      }).on('error', reject);
    });
  }
  out.total = Object.values(out).reduce((a, b) => a + b, 0);
  return out;
}

async function checkWithoutKusto(browser, bin) {
  const env = { ...process.env };
  delete env.KQLCHECK_DIR;
  const server = await serve(bin, env);
  try {
    const ctx = await browser.newContext();
    const page = await open(ctx, server.url, { errors: [] });
    await checkKQL(page, false);
    const v = await view(page);
    check(v.output.startsWith('DeviceImageLoadEvents'), 'without the Kusto package the page still converts');
    await ctx.close();
  } finally {
    server.proc.kill();
  }
}

main().catch((e) => {
  console.error('browser test: ' + (e && e.stack || e));
  process.exit(1);
});
