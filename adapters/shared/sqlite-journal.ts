/**
 * The journal port on SQLite, written once over a tiny driver (prepare, run, get, all, exec) that
 * `bun:sqlite` and `node:sqlite` (Node ≥ 22.13, Deno) both fill in a few lines.
 *
 * Durability: WAL mode, one transaction per append batch. `synchronous=NORMAL` (the default)
 * makes a commit durable against a killed process (SIGKILL, a crash, OOM): the WAL frames are in
 * the kernel's page cache once the commit returns, and the next open replays them. Only a power
 * loss or a kernel crash can lose the last commits before a checkpoint; `synchronous: "full"`
 * closes that too with one fsync per commit (group commit keeps those few).
 * The file is held in `locking_mode=EXCLUSIVE`, so a second bridge on the same journal is refused
 * (JOURNAL_UNAVAILABLE) instead of interleaving sequence numbers; the lock dies with the process.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { JournalError } from "../../core/journal/errors.ts";
import type { Journal, JournalBounds, JournalRecord, JournalStats, OpenJournalOptions } from "../../core/ports.ts";

/** A value bound to or read from a statement. */
export type SqlValue = number | string | Uint8Array | null;
/** One result row. */
export type SqlRow = Record<string, unknown>;

/** A prepared statement, as both built-in drivers shape it. */
export interface SqlStatement {
  run(...params: SqlValue[]): unknown;
  /** The first row, or undefined. */
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

/** An open database connection. */
export interface SqlDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

/** Opens a connection to a database file (creating it when missing). */
export type SqlOpen = (path: string) => SqlDatabase;

/** `application_id` of a journal file ("AMIB"), so a foreign SQLite file is told apart from an empty one. */
const APPLICATION_ID = 0x414d4942;
/** Schema version in `user_version`. */
const SCHEMA_VERSION = 1;
/** Page size of a new journal file. */
const PAGE_BYTES = 16384;
/** Rows read per step while trimming. */
const TRIM_PAGE = 2048;

const SCHEMA = `
CREATE TABLE records (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT NOT NULL, server TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL, records INTEGER NOT NULL, bytes INTEGER NOT NULL);
INSERT INTO meta (id, last_seq, records, bytes) VALUES (1, 0, 0, 0);
PRAGMA application_id = ${APPLICATION_ID};
PRAGMA user_version = ${SCHEMA_VERSION};`;

/** The file is SQLite but not (or no longer) a journal: treated like damage. */
class ForeignFile extends Error {
  override name = "ForeignFile";
}

/** Whether an error from the driver means the file itself is damaged or not a database. */
function isDamage(error: unknown): boolean {
  if (error instanceof ForeignFile) return true;
  const code = (error as { errcode?: unknown; errno?: unknown }).errcode ?? (error as { errno?: unknown }).errno;
  if (code === 11 || code === 26) return true; // SQLITE_CORRUPT, SQLITE_NOTADB
  return /not a database|malformed|corrupt/i.test(error instanceof Error ? error.message : String(error));
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Moves a damaged file (and its WAL) aside; returns the new path. */
function moveAside(path: string): string {
  const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  renameSync(path, aside);
  if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${aside}-wal`);
  rmSync(`${path}-shm`, { force: true });
  return aside;
}

/** Pragmas, schema check or creation, and an integrity check; throws what the driver throws. */
function prepareFile(db: SqlDatabase, options: OpenJournalOptions): void {
  // Before the first access, so no shared-memory index is made and the lock is taken at once.
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  db.exec("PRAGMA busy_timeout = 1000");
  // A new file gets 16 KiB pages (an existing one keeps its own): events are 0.5 to 1 KiB each,
  // and larger pages cost fewer page writes per event in the WAL (bench:journal: about 30 % less).
  db.exec(`PRAGMA page_size = ${PAGE_BYTES}`);
  const mode = db.prepare("PRAGMA journal_mode = WAL").get();
  if (String(mode?.["journal_mode"]).toLowerCase() !== "wal") throw new Error(`expected WAL journal mode, got ${JSON.stringify(mode?.["journal_mode"])}`);
  db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  const applicationId = Number(db.prepare("PRAGMA application_id").get()?.["application_id"]);
  const tables = Number(db.prepare("SELECT count(*) AS n FROM sqlite_master").get()?.["n"]);
  if (applicationId === 0 && tables === 0) {
    db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    return;
  }
  if (applicationId !== APPLICATION_ID) throw new ForeignFile(`an SQLite file of another application (application_id ${applicationId}, ${tables} schema objects)`);
  const version = Number(db.prepare("PRAGMA user_version").get()?.["user_version"]);
  if (version !== SCHEMA_VERSION) throw new ForeignFile(`a journal of schema version ${version}, this bridge reads version ${SCHEMA_VERSION}`);
  // Reads every page once: a truncated or overwritten file fails here, at start-up, not mid-run.
  const check = db.prepare("PRAGMA quick_check(1)").get();
  if (check?.["quick_check"] !== "ok") throw new ForeignFile(`damaged: quick_check says ${JSON.stringify(check?.["quick_check"])}`);
  if (!db.prepare("SELECT last_seq FROM meta WHERE id = 1").get()) throw new ForeignFile("a journal without its meta row");
}

/**
 * Opens (or creates) the journal at `options.path` with `open` as the driver. A damaged or foreign
 * file is moved aside and the promise rejects with JOURNAL_CORRUPT naming both paths; any other
 * failure (locked by another bridge, no permission) rejects with JOURNAL_UNAVAILABLE and moves nothing.
 */
export async function openSqliteJournal(open: SqlOpen, options: OpenJournalOptions): Promise<Journal> {
  const { path } = options;
  let db: SqlDatabase | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = open(path);
    prepareFile(db, options);
  } catch (error) {
    try {
      db?.close();
    } catch {
      // The connection may never have opened.
    }
    if (isDamage(error)) {
      let aside: string;
      try {
        aside = moveAside(path);
      } catch (moveError) {
        throw new JournalError("JOURNAL_CORRUPT", `expected ${path} to be an amibridge journal, got a damaged or foreign file (${describe(error)}), and it could not be moved aside: ${describe(moveError)}`, { cause: error });
      }
      throw new JournalError("JOURNAL_CORRUPT", `expected ${path} to be an amibridge journal, got a damaged or foreign file (${describe(error)}); it was moved aside to ${aside}, and the next start makes a fresh journal at ${path}`, { cause: error });
    }
    const locked = /locked|busy/i.test(describe(error));
    throw new JournalError("JOURNAL_UNAVAILABLE", `expected to open the journal ${path}, got ${locked ? "a file held by another process (is a second bridge running on it?)" : "an error"}: ${describe(error)}`, { cause: error });
  }
  return sqliteJournal(db);
}

/** Key order as JavaScript compares strings (UTF-16 code units), the same as the in-memory journal. */
const byKey = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

function sqliteJournal(db: SqlDatabase): Journal {
  const insert = db.prepare("INSERT INTO records (seq, time, type, server, name, data) VALUES (?, ?, ?, ?, ?, ?)");
  const readMeta = db.prepare("SELECT last_seq, records, bytes FROM meta WHERE id = 1");
  const writeMeta = db.prepare("UPDATE meta SET last_seq = ?, records = ?, bytes = ? WHERE id = 1");
  const readAfter = db.prepare("SELECT seq, time, type, server, name, data FROM records WHERE seq > ? ORDER BY seq LIMIT ?");
  const oldest = db.prepare("SELECT seq, time FROM records ORDER BY seq LIMIT 1");
  const trimPage = db.prepare("SELECT seq, time, length(data) AS size FROM records WHERE seq > ? ORDER BY seq LIMIT ?");
  const removeUpTo = db.prepare("DELETE FROM records WHERE seq <= ?");
  const getValue = db.prepare("SELECT value FROM kv WHERE key = ?");
  const putValue = db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const deleteValue = db.prepare("DELETE FROM kv WHERE key = ?");
  const valuesFrom = db.prepare("SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key");

  // The meta row mirrored in memory: every write goes through this connection, which holds the file exclusively.
  const row = readMeta.get()!;
  let lastSeq = Number(row["last_seq"]);
  let count = Number(row["records"]);
  let bytes = Number(row["bytes"]);
  let closed = false;

  const open = () => {
    if (closed) throw new JournalError("JOURNAL_CLOSED", "expected an open journal, got one that was closed");
  };
  /** Runs `work` in one write transaction, rolled back when it throws. */
  const transaction = <T>(work: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // SQLite may have rolled back already (disk full does).
      }
      throw error;
    }
  };

  return {
    async append(batch) {
      open();
      let previous = lastSeq;
      let added = 0;
      for (const record of batch) {
        if (!Number.isSafeInteger(record.seq) || record.seq <= previous) {
          throw new JournalError("JOURNAL_SEQUENCE", `expected a sequence number above ${previous}, got ${record.seq}`);
        }
        previous = record.seq;
        added += record.data.byteLength;
      }
      if (batch.length === 0) return;
      transaction(() => {
        for (const r of batch) insert.run(r.seq, r.time, r.type, r.server, r.name, r.data);
        writeMeta.run(previous, count + batch.length, bytes + added);
      });
      lastSeq = previous;
      count += batch.length;
      bytes += added;
    },
    async read(afterSeq, limit) {
      open();
      if (!(limit > 0)) return [];
      return readAfter.all(afterSeq, Math.floor(limit)).map(
        (r): JournalRecord => ({ seq: Number(r["seq"]), time: Number(r["time"]), type: String(r["type"]), server: String(r["server"]), name: String(r["name"]), data: r["data"] as Uint8Array }),
      );
    },
    async stats(): Promise<JournalStats> {
      open();
      const first = oldest.get();
      return first
        ? { records: count, bytes, firstSeq: Number(first["seq"]), lastSeq, oldestTime: Number(first["time"]) }
        : { records: count, bytes, firstSeq: lastSeq + 1, lastSeq };
    },
    async trim(bounds: JournalBounds) {
      open();
      // Oldest first, only as many rows as go: a trim costs what it removes, not the journal's size.
      let kept = count;
      let keptBytes = bytes;
      let cut: number | undefined;
      let after = -1;
      scan: for (;;) {
        const page = trimPage.all(after, TRIM_PAGE);
        for (const r of page) {
          const seq = Number(r["seq"]);
          const over = (bounds.maxRecords !== undefined && kept > bounds.maxRecords) || (bounds.maxBytes !== undefined && keptBytes > bounds.maxBytes) || (bounds.minTime !== undefined && Number(r["time"]) < bounds.minTime);
          if (!over || (bounds.keepAfterSeq !== undefined && seq > bounds.keepAfterSeq)) break scan;
          kept--;
          keptBytes -= Number(r["size"]);
          cut = seq;
        }
        if (page.length < TRIM_PAGE) break;
        after = Number(page[page.length - 1]!["seq"]);
      }
      if (cut === undefined) return 0;
      const removed = count - kept;
      transaction(() => {
        removeUpTo.run(cut);
        writeMeta.run(lastSeq, kept, keptBytes);
      });
      count = kept;
      bytes = keptBytes;
      return removed;
    },
    async getValue(key) {
      open();
      const found = getValue.get(key);
      return found ? String(found["value"]) : undefined;
    },
    async setValues(entries) {
      open();
      if (entries.length === 0) return;
      transaction(() => {
        for (const [key, value] of entries) {
          if (value === undefined) deleteValue.run(key);
          else putValue.run(key, value);
        }
      });
    },
    async listValues(prefix) {
      open();
      // In SQLite's byte order the keys with the prefix lie between it and the prefix followed by
      // the highest code point; sorted again as JavaScript compares, so every journal agrees.
      const out: Array<[string, string]> = [];
      for (const r of valuesFrom.all(prefix, `${prefix}\u{10FFFF}`)) {
        const key = String(r["key"]);
        if (key.startsWith(prefix)) out.push([key, String(r["value"])]);
      }
      return out.sort(byKey);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
