import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { registerSyncVerb } from '../sync-render.js';

export function register(program: Command, io: CliIO): void {
  registerSyncVerb(program, io, 'pull');
}
