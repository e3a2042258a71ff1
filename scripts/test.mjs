// `npm test`: the lint and every test at once. The lint (ESLint, dependency-cruiser) is ~12 s of CPU
// that fits in the waits of the tests on 2 cores, where before them it added its whole time. The
// build comes first (the tests run the real bundle; their global set-up is told it is done). Fails
// when either fails; the lint's report is printed after the tests', whole. Arguments go to vitest
// (`npm test -- test/foo.test.ts`).
import { spawn, spawnSync } from 'node:child_process';

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const lint = new Promise((resolve) => {
  let out = '';
  const child = spawn(npm, ['run', '--silent', 'lint'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  child.on('error', (e) => resolve({ code: 1, out: `cannot run the lint: ${e.message}\n` }));
  child.on('close', (code) => resolve({ code: code ?? 1, out }));
});
const tests = new Promise((resolve) => {
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, GIT_CTX_TEST_BUILT: '1' } });
  child.on('error', () => resolve(1));
  child.on('close', (code) => resolve(code ?? 1));
});

const [testCode, { code: lintCode, out }] = await Promise.all([tests, lint]);
process.stdout.write(`\nlint (ESLint, dependency-cruiser): ${lintCode === 0 ? 'clean' : `failed (exit ${lintCode})`}\n${lintCode === 0 ? '' : out}`);
process.exit(testCode || lintCode);
