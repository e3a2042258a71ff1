#!/usr/bin/env node
// Benchmarks for `git ctx regenerate`, printed as a table:
//   1. regenerate over 1,000 commits in a 5,000-file repository (target: <= 3 s), with uncommitted edits;
//   2. parsing JUnit XML reports of 5 MB and 50 MB: time and peak RSS (memory must stay bounded).
// Runs the built CLI (npm run build first). Scratch data goes to a temporary directory, removed after.
// With --bin LABEL=PATH (repeatable), runs each build interleaved, run by run, and prints a column for
// each (e.g. before=/path/to/old/dist/bin.cjs after=dist/bin.cjs); `node -e 0` is timed beside them.
//   node bench/regenerate.mjs [--runs N] [--bin LABEL=PATH ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, createWriteStream, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BINS = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--bin' ? [a] : [])).map((a) => {
  const eq = a.indexOf('=');
  return { label: eq > 0 ? a.slice(0, eq) : a, path: resolve(eq > 0 ? a.slice(eq + 1) : a) };
});
if (!BINS.length) BINS.push({ label: 'git-ctx', path: join(root, 'dist', 'bin.cjs') });
for (const b of BINS) {
  if (!existsSync(b.path)) {
    console.error(`no ${b.path}: build first (npm run build)`);
    process.exit(1);
  }
}
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const scratch = mkdtempSync(join(tmpdir(), 'git-ctx-bench-regen-'));
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_'))),
  HOME: scratch,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (cwd, args, input) => execFileSync('git', args, { cwd, env, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

// A small deterministic PRNG, so every run builds the same repository.
let seed = 42;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

const FILES = 5000;
const COMMITS = 1000;

function source(i, version) {
  const kind = i % 3;
  const name = `f${i}`;
  const body = (k) => `value + ${k} + ${version}`;
  if (kind === 0) {
    const fns = Array.from({ length: 4 }, (_, k) => `  ${name}_${k}(value: number): number {\n    const x = ${body(k)};\n    return x * 2;\n  }\n`).join('\n');
    return `// generated file ${i}\nexport class C${i} {\n${fns}}\n\nexport function helper${i}(a: number): number {\n  return a + ${version};\n}\n`;
  }
  if (kind === 1) {
    const fns = Array.from({ length: 4 }, (_, k) => `    def ${name}_${k}(self, value):\n        x = ${body(k)}\n        return x * 2\n`).join('\n');
    return `# generated file ${i}\nclass C${i}:\n${fns}\n\ndef helper${i}(a):\n    return a + ${version}\n`;
  }
  const fns = Array.from({ length: 4 }, (_, k) => `func (c *C${i}) ${name.toUpperCase()}_${k}(value int) int {\n\tx := ${body(k)}\n\treturn x * 2\n}\n`).join('\n');
  return `// generated file ${i}\npackage p${Math.floor(i / 50)}\n\ntype C${i} struct{}\n\n${fns}\nfunc Helper${i}(a int) int {\n\treturn a + ${version}\n}\n`;
}
const ext = (i) => ['ts', 'py', 'go'][i % 3];
const pathOf = (i, renamed = false) => `pkg${String(Math.floor(i / 50)).padStart(3, '0')}/${renamed ? 'moved_' : ''}file${i}.${ext(i)}`;

/** Build the repository with one `git fast-import` stream: main = 5,000 files, feature = 1,000 commits on top. */
function buildRepo(dir) {
  git(dir, ['init', '-q', '-b', 'main', '.']);
  const parts = [];
  const versions = new Array(FILES).fill(0);
  const renamed = new Array(FILES).fill(false);
  let time = 1_700_000_000;
  const commit = (branch, message, ops, from) => {
    parts.push(`commit refs/heads/${branch}\ncommitter Bench <bench@example.com> ${time++} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n${from ? `from ${from}\n` : ''}${ops.join('')}\n`);
  };
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  commit('main', 'initial', Array.from({ length: FILES }, (_, i) => `M 100644 inline ${pathOf(i)}\n${data(source(i, 0))}`));
  for (let c = 1; c <= COMMITS; c++) {
    const ops = [];
    for (let k = 0; k < 3; k++) {
      const i = rand(FILES);
      versions[i]++;
      ops.push(`M 100644 inline ${pathOf(i, renamed[i])}\n${data(source(i, versions[i]))}`);
    }
    if (c % 50 === 0) {
      const i = rand(FILES);
      if (!renamed[i]) {
        ops.push(`R ${pathOf(i)} ${pathOf(i, true)}\n`);
        renamed[i] = true;
      }
    }
    if (c === 500) ops.push(`M 100644 inline assets/logo.bin\n${data('\u0000\u0001binary\u0002')}`);
    commit('feature', `change ${c}: adjust ${c % 7 === 0 ? 'the parser' : 'helpers'}`, ops, c === 1 ? 'refs/heads/main' : undefined);
  }
  git(dir, ['fast-import', '--quiet'], parts.join(''));
  git(dir, ['checkout', '-q', '-f', 'feature']);
  // Uncommitted work: 10 files edited, 5 of them staged, 3 new files.
  for (let k = 0; k < 10; k++) {
    const i = k * 397;
    const p = join(dir, renamed[i] ? pathOf(i, true) : pathOf(i));
    writeFileSync(p, readFileSync(p, 'utf8').replace('return x * 2', 'return x * 3'));
    if (k < 5) git(dir, ['add', '--', renamed[i] ? pathOf(i, true) : pathOf(i)]);
  }
  for (let k = 0; k < 3; k++) writeFileSync(join(dir, `new${k}.ts`), `export function n${k}() { return ${k}; }\n`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run the CLI; wall time in ms and its peak RSS in MB (read by a preload at exit). */
function runCli(cwd, args, BIN = BINS[0].path) {
  const rssFile = join(scratch, `rss-${process.hrtime.bigint()}`);
  const preload = join(scratch, 'rss-preload.cjs');
  if (!existsSync(preload)) writeFileSync(preload, "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.BENCH_RSS_FILE, `${u.maxRSS} ${(u.userCPUTime + u.systemCPUTime) / 1000}`); });\n");
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-r', preload, BIN, ...args], { cwd, env: { ...env, BENCH_RSS_FILE: rssFile }, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`git-ctx ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [rss, cpu] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
  // CPU time of the node process itself (not its git children): steadier than wall time on a busy machine.
  return { ms, rssMb: rss / 1024, cpuMs: cpu, stdout: r.stdout.toString() };
}

function junit(path, mb) {
  return new Promise((resolve) => {
    const out = createWriteStream(path);
    const target = mb * 1024 * 1024;
    let bytes = 0;
    let suite = 0;
    const w = (s) => {
      bytes += Buffer.byteLength(s);
      return out.write(s);
    };
    w('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n');
    const frames = '    at Object.<anonymous> (src/module.test.ts:12:5)\n'.repeat(30);
    const more = () => {
      while (bytes < target) {
        let ok = w(`  <testsuite name="suite ${suite}" tests="100" failures="5" time="1.5">\n`);
        for (let j = 0; j < 100; j++) {
          if (j % 20 === 7) ok = w(`    <testcase classname="pkg.Suite${suite}" name="test ${j} ünïcödé" time="0.01"><failure message="expected &lt;1&gt; but was &lt;2&gt;" type="AssertionError"><![CDATA[AssertionError: expected 1 but was 2\n${frames}]]></failure></testcase>\n`);
          else ok = w(`    <testcase classname="pkg.Suite${suite}" name="test ${j}" time="0.001"/>\n`);
        }
        ok = w('  </testsuite>\n');
        suite++;
        if (!ok) return out.once('drain', more);
      }
      out.end('</testsuites>\n', () => resolve({ cases: suite * 100, failures: suite * 5 }));
    };
    more();
  });
}

const rows = [];
/** Run `args` in `cwd` RUNS times with every build and `node -e 0`, interleaved; medians per build. */
function measure(cwd, args, runs = RUNS) {
  const per = BINS.map(() => []);
  const floor = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    floor.push(performance.now() - t0);
    BINS.forEach((b, k) => per[k].push(runCli(cwd, args, b.path)));
  }
  return { per, floor: median(floor) };
}
const cells = (m) => [...m.per.map((r) => `${median(r.map((x) => x.ms)).toFixed(0)} ms (cpu ${median(r.map((x) => x.cpuMs)).toFixed(0)}) / ${median(r.map((x) => x.rssMb)).toFixed(0)} MB`), `${m.floor.toFixed(0)} ms`];
try {
  // 1. regenerate over 1,000 commits.
  const repo = join(scratch, 'repo');
  execFileSync('mkdir', ['-p', repo]);
  let t0 = performance.now();
  buildRepo(repo);
  const buildMs = performance.now() - t0;
  const tracked = Number(git(repo, ['ls-files']).split('\n').filter(Boolean).length);
  const json = JSON.parse(runCli(repo, ['regenerate', '--dry-run', '--json']).stdout);
  const symbolFiles = json.symbols.length;
  rows.push([
    `regenerate --dry-run: ${json.commitsTotal} commits, ${tracked} files tracked, ${json.files.length} changed, ${json.uncommitted.staged.length}+${json.uncommitted.unstaged.length}+${json.uncommitted.untracked.length} uncommitted, symbols of ${symbolFiles} files (${json.symbolFilesSkipped} over budget)`,
    ...cells(measure(repo, ['regenerate', '--dry-run'])),
    '<= 3000 ms',
  ]);
  rows.push(['regenerate --since main (writes the entry)', ...cells(measure(repo, ['regenerate', '--since', 'main'], Math.min(RUNS, 3))), '<= 3000 ms']);
  const small = join(scratch, 'small');
  execFileSync('mkdir', ['-p', small]);
  git(small, ['init', '-q', '-b', 'main', '.']);
  writeFileSync(join(small, 'a.ts'), 'export const a = 1;\n');
  git(small, ['add', '-A']);
  git(small, ['commit', '-q', '-m', 'a']);
  rows.push(['regenerate --dry-run, one-commit repository (start-up floor)', ...cells(measure(small, ['regenerate', '--dry-run'])), '']);

  // 2. JUnit XML parsing, 5 MB and 50 MB.
  for (const mb of [5, 50]) {
    const file = join(scratch, `junit-${mb}.xml`);
    t0 = performance.now();
    const { cases, failures } = await junit(file, mb);
    const size = statSync(file).size / 1048576;
    const m = measure(small, ['regenerate', '--dry-run', '--json', '--test-log', file], Math.min(RUNS, 3));
    for (const r of m.per) {
      const parsed = JSON.parse(r[0].stdout).tests.reports[0];
      if (parsed.totals.total !== cases || parsed.totals.failed !== failures) throw new Error(`parsed ${JSON.stringify(parsed.totals)}, wrote ${cases} cases, ${failures} failures`);
    }
    rows.push([`parse a ${size.toFixed(1)} MB JUnit XML (${cases} test cases, ${failures} failures), through regenerate`, ...cells(m), 'bounded memory']);
  }
  console.log(`\nregenerate benchmarks (node ${process.version}, ${RUNS} runs, median, builds run interleaved; repository built in ${(buildMs / 1000).toFixed(1)} s; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
  const head = ['what', ...BINS.map((b) => `${b.label}: wall (node CPU) / peak RSS`), 'node -e 0', 'target'];
  const widths = head.map((_, c) => Math.max(...[head, ...rows].map((r) => String(r[c]).length)));
  const line = (r) => `| ${r.map((x, c) => String(x).padEnd(widths[c])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
