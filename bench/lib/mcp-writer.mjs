// One long-lived concurrent writer for bench/store.mjs: an agent's MCP server (the real server and the
// SDK's client, in process) making N ctx_add calls in a row. Prints one JSON line: every call's wall ms.
// Usage: node bench/lib/mcp-writer.mjs BUNDLE REPO COUNT LABEL, where BUNDLE is
// bundleTs('bench/lib/mcp-in-process.ts') (bundled once by the parent, not by each writer).
import { createRequire } from 'node:module';

const [bundle, repo, count, label] = process.argv.slice(2);
const { mcpCallsInProcess } = createRequire(import.meta.url)(bundle);
const calls = Array.from({ length: Number(count) }, (_, i) => ({ name: 'ctx_add', arguments: { text: `${label} ${i}` } }));
const ms = await mcpCallsInProcess(repo, process.env, calls, 0);
process.stdout.write(`${JSON.stringify({ ms })}\n`);
