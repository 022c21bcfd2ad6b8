// Checks that relative imports between the layers of src/ point the way docs/architecture.md states,
// type-only imports included (they couple modules as much as value imports do), and that no two layers
// import each other. `node scripts/check-deps.mjs [root]` checks <root>/src (default: this repository),
// prints each offending import with its file and line, and exits 1. Run by `npm test` before the tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers of src/, from the top. A file may import its own layer and any layer below its own; layers on
 * one line (interface and client: two edges) may not import each other. common sits under every layer.
 */
export const LAYERS = [
  ['cli'],
  ['app'],
  ['interface', 'client'],
  ['bff'],
  ['messenger'],
  ['service'],
  ['contracts'],
  ['infra'],
  ['mtproto'],
  ['tl'],
  ['common'],
];

const DIRECTION = LAYERS.map((names) => names.join('|')).join(' -> ');
const rankOf = new Map(LAYERS.flatMap((names, i) => names.map((name) => [name, LAYERS.length - i])));
const SOURCE = /\.(ts|mts|cts|js|mjs)$/;

/** Whether a file of layer `from` may import a module of layer `to`. */
export function allowed(from, to) {
  return from === to || rankOf.get(to) < rankOf.get(from);
}

// After these a `/` starts a regular expression, not a division.
const BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

/**
 * Tokens of a JavaScript or TypeScript text: names, punctuation and string literals (with their line);
 * comments, template text and regular expressions are skipped, so an import written inside one is not taken
 * for a real import (src/tl/codegen.ts writes imports into template literals).
 */
function tokenize(text) {
  const tokens = [];
  const templateDepths = []; // one open-brace count per `${` we are inside
  let i = 0;
  let line = 1;
  const n = text.length;
  const last = () => tokens[tokens.length - 1];

  // Reads template text from i up to the closing backquote or the next `${`.
  const templateText = () => {
    while (i < n) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') { i++; tokens.push({ type: 'template', value: '', line }); return; }
      else if (c === '$' && text[i + 1] === '{') { i += 2; templateDepths.push(0); return; }
      else { if (c === '\n') line++; i++; }
    }
  };

  while (i < n) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') { i++; continue; }
    if (c === '/' && text[i + 1] === '/') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      const start = line;
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') { value += text[i + 1] ?? ''; i += 2; } else value += text[i++];
      }
      i++;
      tokens.push({ type: 'string', value, line: start });
      continue;
    }
    if (c === '`') { i++; templateText(); continue; }
    if (c === '{' || c === '}') {
      const depth = templateDepths.length - 1;
      if (c === '}' && depth >= 0 && templateDepths[depth] === 0) {
        templateDepths.pop();
        i++;
        templateText();
        continue;
      }
      if (depth >= 0) templateDepths[depth] += c === '{' ? 1 : -1;
      tokens.push({ type: 'punct', value: c, line });
      i++;
      continue;
    }
    if (c === '/') {
      const prev = last();
      const regex = !prev || (prev.type === 'punct' && !')]}'.includes(prev.value)) || (prev.type === 'name' && BEFORE_REGEX.has(prev.value));
      if (regex) {
        let j = i + 1;
        let inClass = false;
        while (j < n && text[j] !== '\n') {
          if (text[j] === '\\') j++;
          else if (text[j] === '[') inClass = true;
          else if (text[j] === ']') inClass = false;
          else if (text[j] === '/' && !inClass) break;
          j++;
        }
        if (text[j] === '/') {
          i = j + 1;
          while (i < n && /[a-z]/i.test(text[i])) i++;
          tokens.push({ type: 'regex', value: '', line });
          continue;
        }
      }
    }
    if (/[\p{ID_Start}$_]/u.test(c)) {
      let j = i + 1;
      while (j < n && /[\p{ID_Continue}$\u200c\u200d]/u.test(text[j])) j++;
      tokens.push({ type: 'name', value: text.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(text[j])) j++;
      tokens.push({ type: 'number', value: text.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === '?' && text[i + 1] === '.' && !/[0-9]/.test(text[i + 2] ?? '')) {
      tokens.push({ type: 'punct', value: '?.', line });
      i += 2;
      continue;
    }
    tokens.push({ type: 'punct', value: c, line });
    i++;
  }
  return tokens;
}

/**
 * The module specifiers a file imports, with their lines: `import ... from 'x'`, `import type ...`,
 * `import 'x'`, `export ... from 'x'`, `import('x')` and `typeof import('x')`.
 */
export function importsOf(text) {
  const tokens = tokenize(text);
  const out = [];
  let inDeclaration = false; // after `import`/`export`, until its `from 'x'` or `;`
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const isMember = prev?.type === 'punct' && (prev.value === '.' || prev.value === '?.');
    if (t.type === 'punct' && t.value === ';') inDeclaration = false;
    if (t.type !== 'name' || isMember) continue;
    if (t.value === 'import') {
      if (next?.type === 'string') out.push({ specifier: next.value, line: next.line });
      else if (next?.type === 'punct' && next.value === '(' && tokens[i + 2]?.type === 'string') out.push({ specifier: tokens[i + 2].value, line: tokens[i + 2].line });
      else if (!(next?.type === 'punct' && next.value === '.')) inDeclaration = true;
    } else if (t.value === 'export') {
      inDeclaration = true;
    } else if (t.value === 'from' && inDeclaration && next?.type === 'string') {
      out.push({ specifier: next.value, line: next.line });
      inDeclaration = false;
    }
  }
  return out;
}

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return SOURCE.test(name) ? [full] : [];
  });
}

/** The layer a path relative to src/ belongs to: its first directory ('' for a file directly in src/). */
function layerOf(pathInSrc) {
  const parts = pathInSrc.split(sep);
  return parts.length > 1 ? parts[0] : '';
}

/** Strongly connected components of a directed graph with more than one node: the cycles. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let counter = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** Every problem of the tree under `root`/src, one readable line each (empty: the direction holds). */
export function checkDependencies(root) {
  const src = join(root, 'src');
  const problems = [];
  const edges = new Map(); // 'from>to' -> the first import that makes it
  const files = sourceFiles(src).sort();
  for (const file of files) {
    const shown = relative(root, file).split(sep).join('/');
    const from = layerOf(relative(src, file));
    if (!rankOf.has(from)) {
      problems.push(`${shown}: is in no layer; put it under a layer of src/ or add its directory to LAYERS in scripts/check-deps.mjs and to docs/architecture.md`);
      continue;
    }
    for (const { specifier, line } of importsOf(readFileSync(file, 'utf-8'))) {
      if (!specifier.startsWith('.')) continue; // packages and node: builtins
      const target = relative(src, resolve(dirname(file), specifier));
      if (target.startsWith('..')) continue; // outside src/
      const to = layerOf(target);
      const where = `${shown}:${line}: import '${specifier}'`;
      if (!rankOf.has(to)) {
        problems.push(`${where} reaches ${target.split(sep).join('/')}, which is in no layer of src/`);
        continue;
      }
      if (from === to) continue;
      if (!edges.has(`${from}>${to}`)) edges.set(`${from}>${to}`, where);
      if (!allowed(from, to)) problems.push(`${where} points from ${from} up to ${to}`);
    }
  }
  const graph = new Map();
  for (const key of edges.keys()) {
    const [from, to] = key.split('>');
    graph.set(from, [...(graph.get(from) ?? []), to]);
  }
  for (const component of cycles(graph)) {
    const inside = [...edges].filter(([key]) => key.split('>').every((layer) => component.includes(layer)));
    problems.push(`import cycle between layers ${component.join(', ')}:\n${inside.map(([key, where]) => `    ${key.replace('>', ' -> ')}: ${where}`).join('\n')}`);
  }
  return { files: files.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const { files, problems } = checkDependencies(root);
  if (problems.length > 0) {
    console.error(`check-deps: ${problems.length} import problem(s) in src/ (layers: ${DIRECTION}; see docs/architecture.md):`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`check-deps: ${files} files, every import follows ${DIRECTION}`);
}
