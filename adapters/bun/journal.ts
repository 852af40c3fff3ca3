/** The journal on `bun:sqlite`: the driver half of {@link openSqliteJournal}. */
import { Database, type SQLQueryBindings } from "bun:sqlite";
import type { OpenJournal } from "../../core/ports.ts";
import { openSqliteJournal, type SqlDatabase, type SqlRow, type SqlValue } from "../shared/sqlite-journal.ts";

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
