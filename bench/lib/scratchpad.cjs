// The peer bench/store.mjs prints beside `git ctx add`: a SQLite scratchpad, the kind of shared note
// store git-ctx replaces. One CLI process per note, as an agent's shell tool or hook runs it: open the
// database (WAL, so readers never wait; writers wait for each other through SQLite's busy handler, up
// to 10 s), insert one row, print its id. synchronous=NORMAL, SQLite's usual setting in WAL mode, is
// about as durable as a loose git object and a ref update without fsync (git's default).
//
// better-sqlite3 is not a dependency of git-ctx (it compiles a native addon on install): store.mjs
// passes the directory it was installed in, as GIT_CTX_BENCH_SQLITE.
//   node scratchpad.cjs DB TEXT          append one note, print {"id":N}
//   node scratchpad.cjs DB --seed N      create the database with N notes
const Database = require(require.resolve('better-sqlite3', { paths: [process.env.GIT_CTX_BENCH_SQLITE || process.cwd()] }));

const [dbPath, text, count] = process.argv.slice(2);
const db = new Database(dbPath, { timeout: 10_000 });
if (text === '--seed') {
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, created TEXT NOT NULL, session TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL)');
  db.exec('CREATE INDEX IF NOT EXISTS notes_kind ON notes (kind, id)');
  const insert = db.prepare('INSERT INTO notes (created, session, kind, body) VALUES (?, ?, ?, ?)');
  const kinds = ['note', 'decision', 'postmortem', 'handoff', 'message'];
  db.transaction((n) => {
    for (let i = 0; i < n; i++) insert.run(new Date(1704067200000 + i * 315000).toISOString(), `s${i % 40}`, kinds[i % 5], `seeded note ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}`);
  })(Number(count));
} else {
  db.pragma('synchronous = NORMAL');
  const r = db.prepare('INSERT INTO notes (created, session, kind, body) VALUES (?, ?, ?, ?)').run(new Date().toISOString(), process.env.SESSION || 'bench', 'note', text);
  process.stdout.write(`${JSON.stringify({ id: Number(r.lastInsertRowid) })}\n`);
}
db.close();
