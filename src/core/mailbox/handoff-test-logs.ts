/**
 * Test logs given to `handoff --test-log FILE`: their failures go under "What still needs work". The
 * logs are read by the same parsers as `regenerate` (src/testlog: JUnit XML, TAP, jest/vitest JSON,
 * go test -json), loaded only when a log is given. A file whose format cannot be told does not fail
 * the handoff (a session ending should not lose its handoff over an odd file): it is named as not read,
 * with the reason. Logs of one run are merged, and failures grouped by cause, as regenerate does.
 */
import type { Ctx } from '../context.js';
import type { TestReport } from '../../testlog/index.js';
import { isAbsolute, relative } from 'node:path';
import { CtxError } from '../../errors.js';
import { repoPath } from '../../regenerate/paths.js';
import type { TestSummary } from '../../regenerate/tests-render.js';

export interface TestLogResult {
  file: string;
  /** null: the file is not a test log these parsers read. */
  report: TestReport | null;
  /** Why it was not read. */
  reason?: string;
}

export async function readTestLogs(_ctx: Ctx, files: readonly string[]): Promise<TestLogResult[]> {
  const { parseTestLogs, notUnderstood } = await import('../../testlog/index.js');
  const out: TestLogResult[] = [];
  for (const file of files) {
    try {
      for (const report of await parseTestLogs(file)) {
        const why = notUnderstood(report);
        out.push(why ? { file: report.path, report: null, reason: why } : { file: report.path, report });
      }
    } catch (e) {
      if (e instanceof CtxError && e.code === 'E_TEST_LOG_FORMAT') out.push({ file, report: null, reason: e.message });
      else throw e;
    }
  }
  return out;
}

/**
 * The logs as regenerate shows them: logs of one run merged, paths shown relative to the current
 * directory, failure locations as repository paths.
 */
export async function testSummary(ctx: Ctx, results: readonly TestLogResult[], changed: ReadonlyMap<string, string[]>): Promise<TestSummary> {
  const { mergeSameRun } = await import('../../testlog/merge.js');
  const shown = (p: string) => {
    if (!isAbsolute(p)) return p;
    const rel = relative(ctx.deps.cwd, p);
    return rel && !rel.startsWith('..') ? rel : p;
  };
  const reports = mergeSameRun(results.flatMap((r) => (r.report ? [{ ...r.report, path: shown(r.report.path) }] : [])));
  for (const r of reports) {
    r.failures = r.failures.map((f) => (f.file ? { ...f, file: repoPath(f.file, { workTree: ctx.repo.workTree, cwd: ctx.deps.cwd, changed }) } : f));
    r.alsoIn = r.alsoIn?.map((a) => ({ ...a, path: shown(a.path) }));
  }
  const unreadable = results.filter((r) => !r.report).map((r) => ({ path: shown(r.file), reason: r.reason ?? 'not a format git-ctx reads' }));
  return { reports, unreadable };
}
