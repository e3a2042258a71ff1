/**
 * Test logs given to `handoff --test-log FILE`: the failures they report go under "What still needs
 * work". Parsing test logs (JUnit XML, TAP, jest/vitest JSON, go test -json ...) belongs to
 * `regenerate`; this is the seam where its parser plugs in. Until it does, each log is named in the
 * handoff as attached but not parsed (failures: null).
 */
import type { Ctx } from './context.js';

export interface TestFailure {
  name: string;
  message?: string;
  /** file:line, when the log gives it. */
  location?: string;
}

export interface TestLogReport {
  file: string;
  /** null: no parser read this log. */
  failures: TestFailure[] | null;
}

export async function readTestLogs(_ctx: Ctx, files: readonly string[]): Promise<TestLogReport[]> {
  return files.map((file) => ({ file, failures: null }));
}
