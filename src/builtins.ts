/**
 * Node built-ins that only writing commands need, loaded on first use: `crypto` costs ~5 ms and `zlib`
 * ~3 ms to load on a small machine, which `log`, `show`, `search` and `brief` need not pay.
 */
import { createRequire } from 'node:module';

// Built-ins resolve the same from anywhere; node's own path is absolute in every build (the bundle,
// the sources, the test helpers, which have no import.meta.url).
const load = createRequire(process.execPath);
let crypto: typeof import('node:crypto') | undefined;
let zlib: typeof import('node:zlib') | undefined;

export const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= load('node:crypto') as typeof import('node:crypto'));
export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= load('node:zlib') as typeof import('node:zlib'));
