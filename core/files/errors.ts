/** The one error type the file port throws: a stable POSIX-style code whatever the runtime said. */

/** Codes callers switch on; anything else the runtime reports is `EIO`-like and kept as `EFILE`. */
export type FileErrorCode =
  | "ENOENT"
  | "EEXIST"
  | "EACCES"
  | "EPERM"
  | "ENOSPC"
  | "EDQUOT"
  | "EXDEV"
  | "ENOTDIR"
  | "EISDIR"
  | "ENOTEMPTY"
  | "EROFS"
  | "EIO"
  | "EFILE";

const KNOWN: ReadonlySet<string> = new Set(["ENOENT", "EEXIST", "EACCES", "EPERM", "ENOSPC", "EDQUOT", "EXDEV", "ENOTDIR", "EISDIR", "ENOTEMPTY", "EROFS", "EIO"]);

/** Plain words for the codes people meet in logs. */
const WORDS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  EEXIST: "it already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EXDEV: "the two paths are on different filesystems",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "it is a folder",
  ENOTEMPTY: "the folder is not empty",
  EROFS: "the filesystem is read-only",
  EIO: "input/output error",
};

/** A failed file operation: which one, on which path, and the POSIX code. */
export class FileError extends Error {
  override name = "FileError";
  readonly code: FileErrorCode;
  readonly operation: string;
  readonly path: string;

  constructor(code: FileErrorCode, operation: string, path: string, options?: { cause?: unknown; detail?: string }) {
    super(`${operation} ${path}: ${options?.detail ?? WORDS[code] ?? "failed"} (${code})`, options);
    this.code = code;
    this.operation = operation;
    this.path = path;
  }
}

/** Error class names some runtimes use without an errno code. */
const BY_NAME: Readonly<Record<string, FileErrorCode>> = {
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  PermissionDenied: "EACCES",
  NotADirectory: "ENOTDIR",
  IsADirectory: "EISDIR",
};

/** Wraps whatever a runtime threw into a {@link FileError}; one already wrapped passes through. */
export function toFileError(error: unknown, operation: string, path: string): FileError {
  if (error instanceof FileError) return error;
  const raw = (error as { code?: unknown } | null)?.code;
  // Node's fs.rm says ERR_FS_EISDIR for a folder; everything else speaks errno names.
  const named = BY_NAME[(error as { name?: string } | null)?.name ?? ""];
  const code = raw === "ERR_FS_EISDIR" ? "EISDIR" : typeof raw === "string" && KNOWN.has(raw) ? (raw as FileErrorCode) : (named ?? "EFILE");
  const detail = code === "EFILE" ? (error instanceof Error ? error.message : String(error)) : undefined;
  return new FileError(code, operation, path, { cause: error, ...(detail ? { detail } : {}) });
}

/** Runs a file operation, turning its failure into a {@link FileError}. */
export async function fileOp<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toFileError(error, operation, path);
  }
}
