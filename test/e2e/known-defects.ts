/**
 * Checks of the e2e suite that today's git-ctx does not pass, each with the defect that makes it fail.
 * Delete a line once its defect is fixed: the check then counts in every run.
 *
 * - `fails`: it fails every run; the test is marked `it.fails`, so it turns red the day the defect is
 *   fixed, as a reminder to delete the line.
 * - `flaky`: it fails in some runs only (depending on how busy the machine is); the
 *   check runs and passes when it holds, and when it does not the test is skipped with the failure.
 *
 * Keys: `<client>/<idle|load>/<check>`, the check names of checks.ts.
 */
export interface KnownDefect {
  mode: 'fails' | 'flaky';
  reason: string;
}

/** None today: every check counts in every run, idle and under load. */
export const KNOWN_DEFECTS: Record<string, KnownDefect> = {};
