/**
 * A time limit that holds: every git process started under it is killed when it passes (its time
 * left is its timeout), and work in this process checks it between small steps (the parser checks it
 * while it parses). Past it, the scan keeps what it has and says what it did not get to.
 */
import type { RunOptions } from '../git/run.js';

export class Deadline {
  constructor(
    private readonly now: () => number,
    /** Milliseconds since the epoch; undefined: no limit. */
    readonly at: number | undefined,
  ) {}

  /** Milliseconds left (Infinity without a limit). */
  left(): number {
    return this.at === undefined ? Infinity : this.at - this.now();
  }

  expired(): boolean {
    return this.left() <= 0;
  }

  /** Options for a git call: killed when the time is up (at least 1 ms, so a call past it dies at once). */
  run = (): RunOptions => (this.at === undefined ? {} : { timeoutMs: Math.max(1, this.at - this.now()) });

  /** For the parser's progress callback: true once the time is up. */
  stop = (): boolean => this.at !== undefined && this.now() >= this.at;
}
