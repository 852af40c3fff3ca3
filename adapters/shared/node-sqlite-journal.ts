/**
 * The journal on `node:sqlite` (Node ≥ 22.13, and Deno, which provides the same module): the
 * driver half of {@link openSqliteJournal}.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { OpenJournal } from "../../core/ports.ts";
import { openSqliteJournal, type SqlDatabase, type SqlRow, type SqlValue } from "./sqlite-journal.ts";

function nodeSqlite(path: string): SqlDatabase {
  const db = new DatabaseSync(path);
  return {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      const bind = (params: SqlValue[]) => params as SQLInputValue[];
      return {
        run: (...params) => statement.run(...bind(params)),
        get: (...params) => statement.get(...bind(params)) as SqlRow | undefined,
        all: (...params) => statement.all(...bind(params)) as SqlRow[],
      };
    },
    close: () => db.close(),
  };
}

/** Opens a journal file through `node:sqlite`; see {@link OpenJournal}. */
export const openNodeSqliteJournal: OpenJournal = (options) => openSqliteJournal(nodeSqlite, options);
