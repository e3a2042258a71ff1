/**
 * The JSON reports of jest (`--json`) and vitest (`--reporter=json`, the same shape): `testResults[]`,
 * one per test file, each with `assertionResults[]` (ancestorTitles, title, status, failureMessages,
 * location when asked for) and, for a file that could not run, a `message`.
 *
 * One JSON document: it is read whole, up to MAX_JSON_BYTES. A truncated one is repaired by cutting it
 * after its last complete object and closing what is open, so whatever was written still counts.
 */
import { Tally, type TestReport } from './types.js';
import { findLocation } from './text.js';

export const MAX_JSON_BYTES = 256 * 1024 * 1024;

interface AssertionResult {
  ancestorTitles?: string[];
  title?: string;
  fullName?: string;
  status?: string;
  failureMessages?: string[];
  location?: { line?: number; column?: number } | null;
  duration?: number | null;
}

interface FileResult {
  name?: string;
  status?: string;
  message?: string;
  failureMessage?: string | null;
  testExecError?: { message?: string } | null;
  startTime?: number;
  endTime?: number;
  assertionResults?: AssertionResult[];
}

interface JestReport {
  startTime?: number;
  testResults?: FileResult[];
}

/**
 * Make a truncated JSON text parseable: keep it up to the end of its last complete object or array
 * inside the document, then close the brackets still open there. Returns null when nothing is complete.
 */
export function repairTruncatedJson(text: string): string | null {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let cut = -1;
  let closers = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      stack.pop();
      if (stack.length === 0) return text.slice(0, i + 1); // complete after all
      cut = i + 1;
      closers = [...stack].reverse().join('');
    }
  }
  return cut < 0 ? null : text.slice(0, cut) + closers;
}

export function parseJestJson(path: string, text: string): TestReport {
  const warnings: string[] = [];
  let report: JestReport;
  try {
    report = JSON.parse(text) as JestReport;
  } catch (e) {
    const repaired = repairTruncatedJson(text);
    let parsed: JestReport | null = null;
    if (repaired) {
      try {
        parsed = JSON.parse(repaired) as JestReport;
      } catch {
        parsed = null;
      }
    }
    warnings.push(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})${parsed ? '; read the complete part of it' : ''}`);
    report = parsed ?? {};
  }
  if (typeof report !== 'object' || report === null || !Array.isArray(report.testResults)) {
    if (!warnings.length) warnings.push(`${path}: no "testResults": is this a jest or vitest JSON report?`);
    report = { testResults: [] };
  }

  const tally = new Tally();
  let end = 0;
  for (const file of report.testResults ?? []) {
    if (!file || typeof file !== 'object') continue;
    const results = Array.isArray(file.assertionResults) ? file.assertionResults : [];
    if (typeof file.endTime === 'number') end = Math.max(end, file.endTime);
    for (const a of results) {
      // Anything neither passed nor failed (pending, skipped, todo, disabled) was skipped.
      const outcome = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      tally.add(outcome, () => ({
        name: [...(a.ancestorTitles ?? []), a.title ?? a.fullName ?? '(unnamed)'].join(' > '),
        suite: file.name ?? null,
        kind: 'failure',
        texts: [(a.failureMessages ?? []).join('\n')],
        build: ([text]) => {
          const loc = a.location?.line ? { file: file.name ?? null, line: a.location.line } : findLocation(text!, file.name);
          return { message: text!, file: loc?.file ?? file.name ?? null, line: loc?.line ?? null, kind: /^\s*(\w*Assertion\w*|Error: expect\()/.test(text!) ? 'failure' : 'error' };
        },
      }));
    }
    // A file that failed without any failed test could not run (a syntax error, a failing import).
    const fileMessage = file.testExecError?.message || file.message || file.failureMessage || '';
    if (file.status === 'failed' && !results.some((a) => a.status === 'failed') && fileMessage.trim()) {
      tally.add('failed', () => ({
        name: '(test file failed to run)',
        suite: file.name ?? null,
        kind: 'error',
        texts: [fileMessage],
        build: ([text]) => {
          const loc = findLocation(text!, file.name);
          return { message: text!, file: loc?.file ?? file.name ?? null, line: loc?.line ?? null };
        },
      }));
    }
  }
  const start = typeof report.startTime === 'number' ? report.startTime : null;
  return tally.report(path, 'jest-json', start !== null && end >= start ? end - start : null, warnings);
}
