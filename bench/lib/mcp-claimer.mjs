// One MCP claimer process for bench/tasks.mjs. Usage: node bench/lib/mcp-claimer.mjs BUNDLE CWD SESSION,
// BUNDLE being bundleTs('bench/lib/mcp-task-loop.ts'). Prints one JSON line per claim.
import { createRequire } from 'node:module';

const [bundle, cwd, session] = process.argv.slice(2);
const { claimLoop } = createRequire(import.meta.url)(bundle);
const rows = await claimLoop(cwd, { ...process.env, GIT_CTX_SESSION: session, GIT_CTX_AGENT: 'bench' });
for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
