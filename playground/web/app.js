// The sigma2kql playground. The converter is sigma2kql compiled to
// WebAssembly (globalThis.sigma2kql, see playground/wasm); the server's
// catalog.json lists its targets, formats and pipelines; queries are
// checked with Microsoft's Kusto.Language when the server provides it.
// Nothing is loaded from or sent to another origin.
'use strict';

const $ = (id) => document.getElementById(id);
const timing = (window.playgroundTiming = {});

// ---------------------------------------------------------------- editors

// An Editor is a textarea with a line-number gutter and, behind the text,
// a layer that underlines the positions of diagnostics.
class Editor {
  constructor(root) {
    this.ta = root.querySelector('textarea');
    this.gutter = root.querySelector('.gutter');
    this.backdrop = root.querySelector('.backdrop');
    this.marks = [];
    this.ta.addEventListener('scroll', () => this.sync());
    this.ta.addEventListener('input', () => this.render());
  }

  get value() { return this.ta.value; }
  set value(v) { this.ta.value = v; this.render(); }

  // setMarks takes [{line, column, severity, message}], lines and columns
  // counted from 1 in characters (column 0: the whole line).
  setMarks(marks) { this.marks = marks; this.render(); }

  render() {
    const lines = this.ta.value.split('\n');
    const byLine = new Map();
    for (const m of this.marks) {
      if (!m.line) continue;
      const l = byLine.get(m.line) || [];
      l.push(m);
      byLine.set(m.line, l);
    }
    const gutter = document.createDocumentFragment();
    const back = document.createDocumentFragment();
    lines.forEach((text, i) => {
      const n = i + 1, marks = byLine.get(n);
      const g = document.createElement('div');
      g.textContent = n;
      g.dataset.line = n;
      if (marks) {
        g.className = marks.some((m) => m.severity === 'error') ? 'mark-error' : 'mark-warning';
        g.title = marks.map((m) => m.message).join('\n');
      }
      gutter.appendChild(g);
      back.appendChild(underline(text, marks));
      back.appendChild(document.createTextNode('\n'));
    });
    this.gutter.replaceChildren(gutter);
    this.backdrop.replaceChildren(back);
    this.sync();
  }

  sync() {
    this.gutter.scrollTop = this.ta.scrollTop;
    this.backdrop.scrollTop = this.ta.scrollTop;
    this.backdrop.scrollLeft = this.ta.scrollLeft;
  }

  // reveal selects the text at line:column.
  reveal(line, column) {
    const lines = this.ta.value.split('\n');
    let off = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
    const chars = Array.from(lines[line - 1] || '');
    const start = off + chars.slice(0, Math.max(column - 1, 0)).join('').length;
    this.ta.focus();
    this.ta.setSelectionRange(start, start + tokenLength(chars, column));
    const lh = parseFloat(getComputedStyle(this.ta).lineHeight) || 18;
    this.ta.scrollTop = Math.max(0, (line - 3) * lh);
  }
}

// underline returns a line of the backdrop: its text with the token at
// each mark's column in a <mark>.
function underline(text, marks) {
  const span = document.createElement('span');
  const chars = Array.from(text);
  const at = new Map();
  for (const m of marks || []) {
    const col = m.column > 0 ? m.column : 1;
    const len = m.column > 0 ? tokenLength(chars, col) : chars.length;
    if (len > 0 && !at.has(col - 1)) at.set(col - 1, { len, severity: m.severity });
  }
  let i = 0, plain = '';
  while (i < chars.length) {
    const m = at.get(i);
    if (!m) { plain += chars[i++]; continue; }
    span.appendChild(document.createTextNode(plain));
    plain = '';
    const mk = document.createElement('mark');
    mk.className = m.severity;
    mk.textContent = chars.slice(i, i + m.len).join('');
    span.appendChild(mk);
    i += m.len;
  }
  span.appendChild(document.createTextNode(plain));
  return span;
}

// tokenLength is the length of the word at column (from 1), at least 1.
function tokenLength(chars, column) {
  let i = column - 1;
  if (i < 0 || i >= chars.length) return 0;
  const start = i;
  while (i < chars.length && !/[\s:,'"()[\]{}]/.test(chars[i])) i++;
  return Math.max(i - start, 1);
}

// ---------------------------------------------------------------- state

const ui = {};
let catalog, examples, lastResponse = null;

function targetInfo() { return catalog.targets.find((t) => t.name === ui.target.value); }

function fillTargets() {
  ui.target.replaceChildren(...catalog.targets.map((t) => option(t.name, t.name, t.description)));
}

// fillFormats and fillPipelines offer what the chosen target has, keeping
// the current choice when it is still offered.
function fillFormats() {
  const cur = ui.format.value;
  const t = targetInfo();
  ui.format.replaceChildren(...t.formats.map((f) => option(f.name, f.name, f.description)));
  if (t.formats.some((f) => f.name === cur)) ui.format.value = cur;
}

function fillPipelines() {
  const cur = ui.pipeline.value, cur2 = ui.pipeline2.value;
  const t = targetInfo();
  const offered = catalog.pipelines.filter((p) => !p.targets || !p.targets.length || p.targets.includes(t.name));
  const opts = (none) => [option('', none, 'no built-in pipeline'), ...offered.map((p) => option(p.name, p.name, p.description))];
  ui.pipeline.replaceChildren(...opts('(none)'));
  ui.pipeline2.replaceChildren(...opts('(no other)'));
  if (offered.some((p) => p.name === cur) || (cur === '' && !t.needsPipeline)) ui.pipeline.value = cur;
  else if (offered.length) ui.pipeline.value = offered[0].name;
  ui.pipeline2.value = offered.some((p) => p.name === cur2) ? cur2 : '';
}

// builtinPipelines lists the chosen built-in pipelines, as -p NAME does.
function builtinPipelines() {
  return [ui.pipeline.value, ui.pipeline2.value].filter((p, i, all) => p && all.indexOf(p) === i);
}

function fillExamples() {
  const groups = new Map();
  for (const e of examples.examples) {
    const dir = e.path.split('/').slice(1, -1).join('/');
    if (!groups.has(dir)) groups.set(dir, []);
    groups.get(dir).push(option(e.path, e.path.split('/').pop().replace(/\.ya?ml$/, ''), e.title));
  }
  const custom = option('', '(your rule)', 'the text in the editor');
  ui.example.replaceChildren(custom, ...[...groups].map(([dir, opts]) => {
    const g = document.createElement('optgroup');
    g.label = dir;
    g.append(...opts);
    return g;
  }));
}

function option(value, text, title) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  if (title) o.title = title;
  return o;
}

function currentExample() { return examples.examples.find((e) => e.path === ui.example.value); }

// fillFilters offers the filters that name the example's rules.
function fillFilters(checked) {
  const ex = currentExample();
  const paths = ex ? ex.filters : [];
  ui.filters.hidden = !paths.length;
  ui.filterList.replaceChildren(...paths.map((p) => {
    const f = examples.filters.find((x) => x.path === p);
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = p;
    box.checked = checked.includes(p);
    box.addEventListener('change', update);
    label.append(box, ' ' + f.title + ' ');
    const small = document.createElement('small');
    small.textContent = p;
    label.append(small);
    return label;
  }));
}

function checkedFilters() {
  return [...ui.filterList.querySelectorAll('input:checked')].map((b) => b.value);
}

// The URL fragment holds the view: target, pipeline, format, example, the
// rule when it differs from the example, the user pipeline and filters.
function saveState() {
  const s = new URLSearchParams();
  s.set('t', ui.target.value);
  s.set('p', ui.pipeline.value);
  if (ui.pipeline2.value) s.set('p2', ui.pipeline2.value);
  s.set('f', ui.format.value);
  const ex = currentExample();
  if (ex) s.set('ex', ex.path);
  if (!ex || ex.text !== ui.rule.value) s.set('r', ui.rule.value);
  if (ui.userPipeline.value.trim()) s.set('u', ui.userPipeline.value);
  const fl = checkedFilters();
  if (fl.length) s.set('fl', fl.join(','));
  history.replaceState(null, '', '#' + s.toString());
}

function loadState() {
  const s = new URLSearchParams(location.hash.slice(1));
  const has = (k) => s.has(k);
  ui.target.value = has('t') && catalog.targets.some((t) => t.name === s.get('t')) ? s.get('t') : 'kusto';
  if (!ui.target.value) ui.target.value = catalog.targets[0].name;
  fillFormats();
  fillPipelines();
  if (has('f')) ui.format.value = s.get('f');
  if (!ui.format.value) ui.format.selectedIndex = 0;
  if (has('p')) ui.pipeline.value = s.get('p');
  else if (ui.target.value === 'kusto' && catalog.pipelines.some((p) => p.name === 'microsoft_xdr')) ui.pipeline.value = 'microsoft_xdr';
  if (ui.pipeline.selectedIndex < 0) ui.pipeline.selectedIndex = 0;
  ui.pipeline2.value = s.get('p2') || '';
  if (ui.pipeline2.selectedIndex < 0) ui.pipeline2.value = '';
  const exPath = has('ex') ? s.get('ex') : (has('r') ? '' : examples.seed);
  ui.example.value = exPath;
  if (ui.example.selectedIndex < 0) ui.example.value = '';
  const ex = currentExample();
  ui.rule.value = has('r') ? s.get('r') : (ex ? ex.text : '');
  ui.userPipeline.value = s.get('u') || '';
  if (ui.userPipeline.value) $('user-pipeline').open = true;
  fillFilters(has('fl') ? s.get('fl').split(',') : []);
}

// ---------------------------------------------------------------- conversion

function request(format) {
  const fl = checkedFilters().map((p) => ({ name: p, text: examples.filters.find((f) => f.path === p).text }));
  return {
    target: ui.target.value,
    pipelines: builtinPipelines(),
    userPipeline: ui.userPipeline.value,
    format: format || ui.format.value,
    rule: ui.rule.value,
    filters: fl,
  };
}

function convert(req) {
  const resp = JSON.parse(globalThis.sigma2kql.convert(JSON.stringify(req)));
  if (resp.error) throw new Error(resp.error);
  resp.diagnostics = resp.diagnostics || [];
  resp.queries = resp.queries || [];
  return resp;
}

const parsedPipelines = new Set();

// update converts at once: a conversion takes about a millisecond, and the
// output is then current as soon as an input event has been handled.
function update() {
  run();
}

function run() {
  const t0 = performance.now();
  let resp;
  try {
    resp = convert(request());
  } catch (e) {
    ui.status.textContent = 'The converter failed: ' + e.message;
    return;
  }
  const ms = performance.now() - t0;
  lastResponse = resp;
  ui.output.value = resp.output;
  $('output-name').textContent = outputName(resp);
  const marks = (file) => resp.diagnostics.filter((d) => d.file === file)
    .map((d) => ({ line: d.line, column: d.column, severity: d.severity, message: d.text }));
  ui.rule.setMarks(marks('rule.yml'));
  ui.userPipeline.setMarks(marks('pipeline.yml'));
  ui.output.setMarks([]);
  showDiagnostics(resp.diagnostics, []);
  $('command').textContent = commandLine();
  // The first conversion with a built-in pipeline also parses it (YAML
  // and table schemas, once); say so rather than let it pass for the time
  // of a conversion.
  const pipes = request().pipelines.join('+');
  const first = !parsedPipelines.has(pipes) && pipes !== '';
  parsedPipelines.add(pipes);
  ui.status.textContent = `converted in ${ms.toFixed(1)} ms` + (first ? ` (with the parsing of ${pipes})` : '');
  ui.status.dataset.ms = ms.toFixed(2);
  if (timing.firstQuery === undefined) {
    timing.firstQuery = performance.now();
    timing.firstConvertMs = ms;
  }
  saveState();
  scheduleKQL(resp);
}

function outputName(resp) {
  const ex = currentExample();
  const base = ex && ex.text === ui.rule.value ? ex.path.split('/').pop().replace(/\.ya?ml$/, '') : 'rule';
  return base + '.' + resp.ext;
}

function commandLine() {
  const parts = ['sigma2kql convert -t', ui.target.value];
  for (const p of builtinPipelines()) parts.push('-p', p);
  if (ui.userPipeline.value.trim()) parts.push('-p pipeline.yml');
  if (ui.format.value !== targetInfo().formats[0].name) parts.push('-f', ui.format.value);
  for (const f of checkedFilters()) parts.push('--filter', f);
  parts.push('rule.yml');
  return parts.join(' ');
}

// showDiagnostics lists the converter's diagnostics and the KQL ones.
function showDiagnostics(diags, kql) {
  const items = diags.map((d) => item(d.text, d.severity, () => {
    const ed = d.file === 'rule.yml' ? ui.rule : d.file === 'pipeline.yml' ? ui.userPipeline : null;
    if (ed && d.line) {
      if (ed === ui.userPipeline) $('user-pipeline').open = true;
      ed.reveal(d.line, d.column);
    }
  }));
  for (const k of kql) {
    items.push(item(`query${k.query > 1 || k.of > 1 ? ' ' + k.query : ''}:${k.line}:${k.column}: KQL ${k.code}: ${k.message}`,
      k.severity === 'Error' ? 'error' : 'warning', () => k.outLine && ui.output.reveal(k.outLine, k.outColumn)));
  }
  if (!items.length) items.push(item('no problems', 'ok'));
  ui.diagnostics.replaceChildren(...items);
}

function item(text, cls, onclick) {
  const li = document.createElement('li');
  li.textContent = text;
  li.className = cls;
  if (onclick) li.addEventListener('click', onclick);
  return li;
}

// ---------------------------------------------------------------- KQL check

const kusto = { state: 'loading', reason: '', globals: new Map() };
let kqlTimer = 0;

function scheduleKQL(resp) {
  clearTimeout(kqlTimer);
  kqlTimer = setTimeout(() => checkKQL(resp), 30);
}

async function loadKusto() {
  try {
    for (const f of ['kusto/bridge.min.js', 'kusto/Kusto.Language.Bridge.min.js']) await loadScript(f);
    if (!globalThis.Kusto || !globalThis.Kusto.Language) throw new Error('the Kusto bundle did not define Kusto.Language');
    kusto.state = 'ready';
  } catch (e) {
    kusto.state = 'unavailable';
    kusto.reason = e.message;
  }
  if (lastResponse) checkKQL(lastResponse);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = async () => {
      // The server says why in kusto/unavailable.txt; a static site
      // built without the package has neither.
      const why = await fetch('kusto/unavailable.txt').then((r) => (r.ok ? r.text() : '')).catch(() => '');
      reject(new Error(why || `cannot load ${src} (serve with --kusto DIR, or build the site with -kusto DIR)`));
    };
    document.head.appendChild(s);
  });
}

// checkKQL validates the queries of a kusto conversion against the tables
// of its pipelines and shows the diagnostics on the output.
function checkKQL(resp) {
  const status = $('kql-status');
  if (resp !== lastResponse) return;
  if (ui.target.value !== 'kusto') { status.textContent = 'KQL validation: not a KQL target'; return; }
  if (kusto.state === 'loading') { status.textContent = 'KQL validation: loading Kusto.Language…'; return; }
  if (kusto.state !== 'ready') { status.textContent = 'KQL validation unavailable: ' + kusto.reason; return; }
  if (!resp.queries.length) { status.textContent = 'KQL validation: no query'; return; }
  // A deployable format holds the queries of the default format.
  const defaultFormat = targetInfo().formats[0].name;
  const queries = ui.format.value === defaultFormat ? resp.queries : convert(request(defaultFormat)).queries;
  const schema = pipelineSchema(resp);
  const globals = kustoGlobals(builtinPipelines().join('+') + '\n' + ui.userPipeline.value, schema);
  const t0 = performance.now();
  const found = [];
  const outLines = resp.output.split('\n');
  let from = 0;
  queries.forEach((q, i) => {
    const at = locate(outLines, q.split('\n'), from);
    if (at) from = at.line;
    for (const d of analyse(globals, q)) {
      Object.assign(d, { query: i + 1, of: queries.length });
      if (at) Object.assign(d, { outLine: at.line + d.line - 1, outColumn: at.indent + d.column });
      found.push(d);
    }
  });
  const ms = performance.now() - t0;
  ui.output.setMarks(found.filter((d) => d.outLine).map((d) => ({
    line: d.outLine, column: d.outColumn, severity: d.severity === 'Error' ? 'error' : 'warning', message: `KQL ${d.code}: ${d.message}` })));
  showDiagnostics(resp.diagnostics, found);
  const n = Object.keys(schema).length;
  status.textContent = `KQL validation (Kusto.Language, ${n} tables of the pipelines): ` +
    (found.length ? `${found.length} problem(s)` : `${queries.length} quer${queries.length === 1 ? 'y' : 'ies'} valid`) + ` in ${ms.toFixed(0)} ms`;
  status.dataset.problems = found.length;
}

// pipelineSchema merges the tables of the chosen pipelines.
function pipelineSchema(resp) {
  const schema = {};
  const add = (tables) => {
    for (const [table, cols] of Object.entries(tables || {})) schema[table] = { ...schema[table], ...cols };
  };
  for (const name of builtinPipelines()) add(catalog.pipelines.find((p) => p.name === name).schema);
  add(resp.schema);
  return schema;
}

// locate finds a query's lines in the output's from line index from on:
// as they are, or each behind the same indentation (a YAML block). It
// returns the line (from 1) of the first and the indentation's width, or
// null (a query escaped inside JSON).
function locate(outLines, qLines, from) {
  for (let i = from; i + qLines.length <= outLines.length; i++) {
    const at = outLines[i].indexOf(qLines[0]);
    if (at < 0) continue;
    const indent = outLines[i].slice(0, at);
    if (!/^ *$/.test(indent)) continue;
    if (qLines.every((l, k) => outLines[i + k] === (l === '' ? '' : indent + l) || outLines[i + k] === indent + l)) {
      return { line: i + 1, indent: indent.length };
    }
  }
  return null;
}

function lineCol(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: Array.from(before[before.length - 1]).length + 1 };
}

// Column types of the pipelines' schemas that Kusto names otherwise.
const TYPE_ALIASES = {
  boolean: 'bool', double: 'real', float: 'real', int64: 'long', int32: 'int', bigint: 'long',
  date: 'datetime', time: 'timespan', uniqueidentifier: 'guid', uuid: 'guid', object: 'dynamic',
};

// kustoGlobals builds Kusto's global state with one database holding the
// schema's tables; it is kept per key, the pipelines the schema is from.
function kustoGlobals(key, schema) {
  if (kusto.globals.has(key)) return kusto.globals.get(key);
  if (kusto.globals.size > 20) kusto.globals.clear();
  const K = globalThis.Kusto.Language, S = K.Symbols;
  const members = new (System.Collections.Generic.List$1(S.Symbol)).ctor();
  for (const table of Object.keys(schema).sort()) {
    const cols = Object.keys(schema[table]).sort().map((c) => {
      const ty = String(schema[table][c]).trim().toLowerCase();
      const sym = S.ScalarTypes.GetSymbol(TYPE_ALIASES[ty] || ty) || S.ScalarTypes.Dynamic;
      return new S.ColumnSymbol(c, sym, null, null, null, null);
    });
    members.add(new S.TableSymbol.$ctor4(table, cols));
  }
  const db = new S.DatabaseSymbol.$ctor3('db', null, members, false);
  const globals = K.GlobalState.Default.WithDatabase(db);
  kusto.globals.set(key, globals);
  return globals;
}

// analyse returns the errors and warnings of a query, positions counted
// from 1 within it.
function analyse(globals, query) {
  const K = globalThis.Kusto.Language;
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const list = code.GetDiagnostics();
  let diags = [];
  for (let i = 0; i < list.Count; i++) diags.push(list.getItem(i));
  diags = diags.filter((d) => d.Severity === 'Error' || d.Severity === 'Warning');
  // An unknown name (KS142) also gives a type mismatch (KS107) at the same
  // span: keep the cause.
  const unknown = new Set(diags.filter((d) => d.Code === 'KS142').map((d) => d.Start + ':' + d.Length));
  diags = diags.filter((d) => !(d.Code === 'KS107' && unknown.has(d.Start + ':' + d.Length)));
  return diags.map((d) => {
    const pos = d.HasLocation ? lineCol(query, d.Start) : { line: 1, column: 1 };
    return { severity: d.Severity, code: d.Code, message: d.Message, line: pos.line, column: pos.column };
  });
}

// ---------------------------------------------------------------- output actions

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  const label = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = label; }, 1200);
}

function download() {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([ui.output.value], { type: 'text/plain' }));
  a.download = $('output-name').textContent;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---------------------------------------------------------------- start

function wire() {
  ui.rule.ta.addEventListener('input', update);
  ui.userPipeline.ta.addEventListener('input', update);
  ui.target.addEventListener('change', () => { fillFormats(); fillPipelines(); update(); });
  ui.pipeline.addEventListener('change', update);
  ui.pipeline2.addEventListener('change', update);
  ui.format.addEventListener('change', update);
  ui.example.addEventListener('change', () => {
    const ex = currentExample();
    if (ex) ui.rule.value = ex.text;
    fillFilters([]);
    update();
  });
  $('copy').addEventListener('click', (e) => copyText(ui.output.value, e.target));
  $('download').addEventListener('click', download);
  $('share').addEventListener('click', (e) => { saveState(); copyText(location.href, e.target); });
  window.addEventListener('hashchange', () => { loadState(); run(); });
}

async function startConverter() {
  const ready = new Promise((resolve) => { globalThis.sigma2kqlReady = resolve; });
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(fetch('sigma2kql.wasm'), go.importObject);
  go.run(instance);
  await ready;
}

async function main() {
  Object.assign(ui, {
    rule: new Editor($('rule-editor')), userPipeline: new Editor($('pipeline-editor')), output: new Editor($('output-editor')),
    target: $('target'), pipeline: $('pipeline'), pipeline2: $('pipeline2'), format: $('format'), example: $('example'),
    filters: $('filters'), filterList: $('filter-list'), diagnostics: $('diagnostics'), status: $('status'),
  });
  try {
    const json = (f) => fetch(f).then((r) => r.json());
    [examples, catalog] = await Promise.all([json('examples.json'), json('catalog.json'), startConverter()]);
    timing.wasmReady = performance.now();
  } catch (e) {
    ui.status.textContent = 'The converter could not start: ' + e.message;
    return;
  }
  fillTargets();
  fillExamples();
  loadState();
  wire();
  run();
  loadKusto();
}

main();
