/** The journal on `bun:sqlite`: the driver half of {@link openSqliteJournal}. */
import { Database, type SQLQueryBindings } from "bun:sqlite";
import type { OpenJournal } from "../../core/ports.ts";
import { openSqliteJournal, type SqlDatabase, type SqlRow, type SqlValue } from "../shared/sqlite-journal.ts";
import { openThreadedJournal } from "../shared/threaded-journal.ts";

function bunSqlite(path: string): SqlDatabase {
  const db = new Database(path, { create: true, strict: true });
  // bun:sqlite closes a database only once its statements are finalized (sqlite3_close_v2):
  // until then the file stays locked, and a restart in the same process could not open it.
  const statements: Array<{ finalize(): void }> = [];
  return {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      statements.push(statement);
      const bind = (params: SqlValue[]) => params as SQLQueryBindings[];
      return {
        run: (...params) => statement.run(...bind(params)),
        // bun:sqlite answers null for no row; the port's driver says undefined.
        get: (...params) => (statement.get(...bind(params)) as SqlRow | null) ?? undefined,
        all: (...params) => statement.all(...bind(params)) as SqlRow[],
      };
    },
    close() {
      for (const statement of statements.splice(0)) statement.finalize();
      db.close();
    },
  };
}

/** Opens a journal file through `bun:sqlite`; see {@link OpenJournal}. */
export const openBunJournal: OpenJournal = (options) => openSqliteJournal(bunSqlite, options);

/**
 * The worker's module. In the single binary every module's `import.meta.url` is the binary's, and
 * the worker is the second entry point of `npm run compile`, found by its path from the entry
 * points' common folder (`adapters/`); test/cli/binary.test.ts runs the binary with a journal.
 */
const workerModule = import.meta.url.startsWith("file:///$bunfs/") ? "./shared/journal-worker.ts" : new URL("../shared/journal-worker.ts", import.meta.url);

/** The journal on Bun as the bridge runs it: `bun:sqlite` in a thread of its own (adapters/shared/threaded-journal.ts). */
export const openBunThreadedJournal: OpenJournal = (options) => openThreadedJournal({ url: workerModule }, options);
