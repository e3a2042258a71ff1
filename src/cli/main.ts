/**
 * The command line: one commander program, one file per command. This is the only layer that decides
 * exit codes (through the error classes) and the only one that prints.
 */
import { Command, CommanderError } from 'commander';
import type { CliIO } from './io.js';
import { CtxError, ExitStatus } from '../errors.js';
import { safe } from './output.js';
import { registerInit } from './commands/init.js';
import { registerAdd } from './commands/add.js';
import { registerLog } from './commands/log.js';
import { registerShow } from './commands/show.js';
import { registerSearch } from './commands/search.js';
import { registerRegenerate } from './commands/regenerate.js';
import { registerPush } from './commands/push.js';
import { registerPull } from './commands/pull.js';
import { registerSync } from './commands/sync.js';
import { registerHook } from './commands/hook.js';
import { registerScan } from './commands/scan.js';
import { registerConflicts } from './commands/conflicts.js';
import { registerPublish } from './commands/publish.js';
import { registerHandoff } from './commands/handoff.js';
import { registerPickup } from './commands/pickup.js';
import { registerBrief } from './commands/brief.js';
import { registerSend } from './commands/send.js';
import { registerInbox } from './commands/inbox.js';
import { registerGc } from './commands/gc.js';
import { registerSessions } from './commands/sessions.js';
import { registerMcp } from './commands/mcp.js';
import { registerAgentHook } from './commands/agent-hook.js';

export const VERSION = '0.1.0';

const REGISTER = [registerInit, registerAdd, registerLog, registerShow, registerSearch, registerRegenerate, registerPush, registerPull, registerSync, registerHook, registerScan, registerConflicts, registerPublish, registerHandoff, registerPickup, registerBrief, registerSend, registerInbox, registerGc, registerSessions, registerMcp, registerAgentHook];

export function buildProgram(io: CliIO): Command {
  const program = new Command('git-ctx');
  program
    .description('a git-native context store for parallel coding agents')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.deps.stderr(s), outputError: () => {} });
  for (const register of REGISTER) register(program, io);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.deps.stderr(s), outputError: () => {} });
  return program;
}

/** Run the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, io, json);
  }
}

export function reportError(e: unknown, io: CliIO, json: boolean): number {
  if (e instanceof ExitStatus) return e.exitCode; // the result is printed already
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    const message = e.message.replace(/^error:\s*/, '');
    io.deps.stderr(`git-ctx: ${message}\n`);
    if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_USAGE', message } })}\n`);
    return 2;
  }
  const debug = io.deps.env.GIT_CTX_DEBUG === '1';
  if (e instanceof CtxError) {
    io.deps.stderr(`git-ctx: ${safe(e.message, false)}\n`);
    if (e.hint) io.deps.stderr(`hint: ${e.hint}\n`);
    if (debug && e.stack) io.deps.stderr(`${e.stack}\n`);
    if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: e.toJSON() })}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.deps.stderr(`git-ctx: internal error: ${safe(err?.message ?? String(e), false)}\n`);
  if (debug && err?.stack) io.deps.stderr(`${err.stack}\n`);
  else io.deps.stderr('hint: run with GIT_CTX_DEBUG=1 for details\n');
  if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_INTERNAL', message: err?.message ?? String(e) } })}\n`);
  return 1;
}
