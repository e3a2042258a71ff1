/**
 * Test logs given to `handoff --test-log FILE`: their failures go under "What still needs work". The
 * logs are read by the same parsers as `regenerate` (src/testlog: JUnit XML, TAP, jest/vitest JSON,
 * go test -json), loaded only when a log is given. A file whose format cannot be told does not fail
 * the handoff (a session ending should not lose its handoff over an odd file): it is named as not read.
 */
import type { Ctx } from './context.js';
import type { TestReport } from '../testlog/index.js';
import { CtxError } from '../errors.js';

export interface TestLogResult {
  file: string;
  /** null: the file is not a test log these parsers read. */
  report: TestReport | null;
}

export async function readTestLogs(_ctx: Ctx, files: readonly string[]): Promise<TestLogResult[]> {
  const { parseTestLogs } = await import('../testlog/index.js');
  const out: TestLogResult[] = [];
  for (const file of files) {
    try {
      for (const report of await parseTestLogs(file)) out.push({ file: report.path, report });
    } catch (e) {
      if (e instanceof CtxError && e.code === 'E_TEST_LOG_FORMAT') out.push({ file, report: null });
      else throw e;
    }
  }
  return out;
}
