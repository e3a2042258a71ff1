/**
 * Reading failure text the way a person would: the first meaningful lines of the message (stack frames,
 * runner chatter and colour codes left out), and the place in the test code where it failed.
 *
 * Every failure text of every reader goes through `describeFailure`, which screens it for secrets whole
 * (src/model/secrets.ts) before anything is cut, excerpted or searched: no reader calls `firstLines`
 * or `findLocation` on text that has not been screened.
 */
import { screenWhole } from '../model/secrets.js';
import type { FailureDraft, TestFailure, TextChunks } from './types.js';

/** Non-blank lines of a failure message kept: enough for an assertion's Expected/Received or a short diff. */
export const MESSAGE_LINES = 12;
export const MESSAGE_LINE_CHARS = 240;

// CSI sequences (colours, cursor moves), OSC sequences (hyperlinks) and charset selections (`ESC(B`).
const ANSI_RE = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[()][0-9A-Za-z])/g;

/** Text without terminal escape sequences. */
export function stripAnsi(text: string): string {
  return text.includes('\u001b') ? text.replace(ANSI_RE, '') : text;
}

/** Screened texts, by raw text: the same failure text (one cause, hundreds of tests) is screened once. */
const screenedCache = new Map<string, string>();

/** Text from a test log with every secret replaced, screened whole (before any cut). */
export function screen(raw: string): string {
  let out = screenedCache.get(raw);
  if (out === undefined) {
    out = screenWhole(raw);
    if (screenedCache.size >= 512) screenedCache.clear();
    screenedCache.set(raw, out);
  }
  return out;
}

/**
 * The one way from a failure's raw text to the failure kept (Tally.add calls it for every reader):
 * each raw text is screened for secrets whole, and only then does the reader's `build` see it, to
 * choose the message (cut here to its first lines) and find the location.
 */
export function finishFailure(draft: FailureDraft): TestFailure {
  const screened = draft.texts.map(screen);
  const b = draft.build(screened);
  return {
    name: cleanName(draft.name),
    suite: (b.suite !== undefined ? b.suite : draft.suite) === null ? null : cleanName((b.suite ?? draft.suite)!) || null,
    file: b.file,
    line: b.line,
    message: firstLines(b.message) || b.fallback || 'failed',
    kind: b.kind ?? draft.kind,
  };
}

/** A test's name as a person would type it: no colour codes, no surrounding or repeated blanks. */
export function cleanName(name: string): string {
  return stripAnsi(name).replace(/[\r\n]+/g, ' ').trim();
}

/** A stack frame (JavaScript, Java): the message is over where the stack starts. */
const FRAME_RE = /^\s*at\s+(\S.*(:\d+\)?|\(native\)|<anonymous>\)?|\(Native Method\)|\(Unknown Source\)|\(index \d+\))\s*\{?|(async\s+)?[\w$.<>[\]]+)\s*$/;

/** Lines that are not the message: locations, runner chatter. */
const NOISE_RES = [
  /^\s*❯\s/, // vitest's location lines
  /^\s*(===|---) (RUN|PAUSE|CONT|NAME|FAIL|PASS|SKIP):?\s/, // go test
  /^\s*\.\.\. \d+ more$/, // Java "... 12 more"
  /^\s*Caused by: /, // Java cause chains (the first line said it)
];

function cutLine(line: string): string {
  const chars = [...line];
  return chars.length > MESSAGE_LINE_CHARS ? `${chars.slice(0, MESSAGE_LINE_CHARS - 1).join('')}…` : line;
}

/**
 * The first lines of a failure message, up to where its stack trace starts: colour codes and noise
 * lines (locations, runner chatter) removed, runs of blank lines
 * collapsed, common indentation removed, each line cut to MESSAGE_LINE_CHARS, at most `maxLines`
 * lines (a final "…" says there was more).
 */
export function firstLines(text: string, maxLines = MESSAGE_LINES): string {
  const lines = stripAnsi(text).replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  let more = false;
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '').replace(/^(\s*)Error \[ERR_TEST_FAILURE\]: /, '$1');
    if (FRAME_RE.test(line)) {
      if (kept.some(Boolean)) break;
      continue;
    }
    if (NOISE_RES.some((re) => re.test(line))) continue;
    if (!line.trim()) {
      if (kept.length && kept[kept.length - 1] !== '') kept.push('');
      continue;
    }
    if (kept.filter((l) => l !== '').length >= maxLines) {
      more = true;
      break;
    }
    kept.push(line);
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const indent = Math.min(...kept.filter(Boolean).map((l) => /^\s*/.exec(l)![0].length));
  const out = kept.map((l) => cutLine(l.slice(Number.isFinite(indent) ? indent : 0)));
  if (more) out.push('…');
  return out.join('\n');
}

/**
 * pytest's report of a failure shows the source around it and marks its explanation with "E" lines
 * (`E       assert (2 * 3) == 5`): those lines are the message. Null when the text has none.
 */
export function pytestExplanation(text: string): string | null {
  const lines = text.split('\n').filter((l) => /^E(\s|$)/.test(l));
  return lines.length ? lines.map((l) => l.replace(/^E {0,7}/, '')).join('\n') : null;
}

/** Whether failure text is go test output (`=== RUN`, `    x_test.go:12: msg`). */
export function isGoOutput(text: string): boolean {
  return /^=== RUN\s|^\s+\S+_test\.go:\d+: /m.test(text);
}

/** go test output as a message: what the test logged, before any goroutine dump, without t.Error's file:line prefixes. */
export function goMessage(text: string): string {
  return text.split(/^goroutine \d+ \[/m)[0]!.replace(/^(\s*)\S+\.go:\d+: /gm, '$1');
}

export interface Location {
  file: string;
  line: number;
}

/** Frames in these places are the runner's or the platform's, not the test's. */
const FOREIGN_PATH_RE = /(^|\/)node_modules\/|^node:|^internal\/|\/site-packages\/|\/lib\/python\d|\/go(-[\d.]+)?\/src\/(testing|runtime)\/|<anonymous>/;
const FOREIGN_JAVA_RE = /^(java|javax|jdk|sun|com\.sun|org\.junit|junit|org\.opentest4j|org\.apache\.maven|org\.testng|org\.gradle|kotlin|org\.assertj|org\.hamcrest)\./;

function fromUrl(path: string): string {
  if (!path.startsWith('file://')) return path;
  try {
    return decodeURIComponent(new URL(path).pathname);
  } catch {
    return path.slice(7);
  }
}

function usable(file: string): boolean {
  return !FOREIGN_PATH_RE.test(file);
}

/**
 * Where a failure happened, read from its text: vitest's `❯ file:line:col`, JavaScript and Java stack
 * frames, pytest's `file.py:12: AssertionError`, Python tracebacks, go test's `file_test.go:19: msg`
 * and panic frames. Frames in node_modules, the standard libraries and test frameworks are skipped.
 * With `prefer` (a test file or a Java class), a frame naming it wins over earlier frames.
 */
export function findLocation(text: string, prefer?: string | null): Location | null {
  const clean = stripAnsi(text);
  const found: Location[] = [];
  const add = (file: string, line: string) => {
    const f = fromUrl(file.trim());
    if (f && usable(f)) found.push({ file: f, line: Number(line) });
  };
  let javaPreferred: Location | null = null;
  for (const raw of clean.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^\s*❯\s+(?:\S+\s+)?(\S+?):(\d+)(?::\d+)?\s*$/.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /^\s*at\s+(?:.*?\()?((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?\s*$/.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /^\s*at\s+([\w$.]+)\.[\w$<>]+\(([^():]+\.(?:java|kt|scala|groovy)):(\d+)\)/.exec(raw))) {
      const cls = m[1]!.replace(/^[\w.]+\//, ''); // "java.base/java.lang..." module prefix
      if (FOREIGN_JAVA_RE.test(cls)) continue;
      const loc = { file: m[2]!, line: Number(m[3]) };
      if (prefer && !javaPreferred && (cls === prefer || cls.startsWith(`${prefer.split('$')[0]}`))) javaPreferred = loc;
      found.push(loc);
    } else if ((m = /^\s*File "([^"]+)", line (\d+)/.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /^(\S+\.py):(\d+)(?:: |$)/.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /\bfile (\S+\.py), line (\d+)/.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /^\s+(\S+\.go):(\d+): /.exec(raw))) add(m[1]!, m[2]!);
    else if ((m = /^(\S+\.go):(\d+):\d+: /.exec(raw))) add(m[1]!, m[2]!); // the Go compiler's errors
    else if ((m = /^\t(\S+\.go):(\d+) \+0x[0-9a-f]+$/.exec(raw))) add(m[1]!, m[2]!);
  }
  if (javaPreferred) return javaPreferred;
  if (prefer) {
    const base = prefer.slice(prefer.lastIndexOf('/') + 1);
    const hit = found.find((l) => l.file === prefer || l.file.endsWith(`/${prefer}`) || (base && l.file.endsWith(`/${base}`)) || l.file === base);
    if (hit) return hit;
  }
  return found[0] ?? null;
}

/** Longest line kept whole; the rest of a longer line is dropped (bounds memory on a line with no end). */
export const MAX_LINE = 1 << 20;

/** Split streamed text into lines (without their newline), whatever the chunk boundaries. */
export async function* linesOf(chunks: TextChunks): AsyncGenerator<string> {
  let rest = '';
  let skipping = false; // inside a line already cut at MAX_LINE
  for await (const chunk of chunks) {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, nl);
      if (!skipping) yield (rest + piece).slice(0, MAX_LINE).replace(/\r$/, '');
      rest = '';
      skipping = false;
      start = nl + 1;
    }
    if (skipping) continue;
    rest += chunk.slice(start);
    if (rest.length > MAX_LINE) {
      yield rest.slice(0, MAX_LINE);
      rest = '';
      skipping = true;
    }
  }
  if (rest && !skipping) yield rest.replace(/\r$/, '');
}

/** Lines past the head that may name a location (a stack frame, `file.py:12:`, `x_test.go:3`). */
const LOCATION_LINE_RE = /^\s*(at\s|❯\s|File ")|\.(py|go|java|kt|[cm]?[jt]sx?):\d+/;

/**
 * Failure text read in chunks, bounded: the first `max` characters, and after them only the first
 * lines that may name a location (a long message can push the stack trace past the head).
 */
export class BoundedText {
  private head = '';
  private readonly frames: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  add(text: string): void {
    if (this.head.length < this.max) {
      const room = this.max - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (!text) return;
      this.partial = this.head.slice(this.head.lastIndexOf('\n') + 1);
    }
    if (this.frames.length >= 20) return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!.slice(-1024);
    for (const l of lines) if (this.frames.length < 20 && LOCATION_LINE_RE.test(l)) this.frames.push(l);
  }

  /**
   * The head, then a marker and the location lines found after it. A head cut at the bound ends at its
   * last whole line: a token cut in two would no longer look like one to the secret screening.
   */
  toString(): string {
    if (this.head.length < this.max) return this.head;
    const nl = this.head.lastIndexOf('\n');
    const head = nl > 0 ? this.head.slice(0, nl) : '';
    const tail = [...this.frames, ...(LOCATION_LINE_RE.test(this.partial) ? [this.partial] : [])];
    return tail.length ? `${head}\n…\n${tail.join('\n')}` : `${head}\n…`;
  }
}
