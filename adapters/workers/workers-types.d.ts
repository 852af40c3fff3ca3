/**
 * The few Cloudflare Workers APIs the adapter uses, declared here so `tsc` checks the adapter
 * without the full workers type package (workerd provides the real ones at run time).
 */
declare module "cloudflare:sockets" {
  /** A TCP (or TLS) connection from `connect()`. */
  export interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    readonly opened: Promise<{ remoteAddress?: string; localAddress?: string }>;
    readonly closed: Promise<void>;
    close(): Promise<void>;
  }
  export interface SocketOptions {
    secureTransport?: "off" | "on" | "starttls";
    allowHalfOpen?: boolean;
  }
  export function connect(address: { hostname: string; port: number } | string, options?: SocketOptions): Socket;
}

/** A Durable Object's state, as the runtime hands it to the constructor. */
interface WorkersDurableObjectState {
  readonly id: { toString(): string; name?: string };
  readonly storage: {
    setAlarm(scheduledTime: number): Promise<void>;
    getAlarm(): Promise<number | null>;
    deleteAlarm(): Promise<void>;
  };
  waitUntil(promise: Promise<unknown>): void;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** A Durable Object namespace binding. */
interface WorkersDurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** What a module worker's `fetch` gets as its third argument. */
interface WorkersExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** The server end of a `WebSocketPair`. */
interface WorkersWebSocket {
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: string | ArrayBuffer }) => void): void;
  addEventListener(type: "close" | "error", listener: (event: { code?: number; reason?: string }) => void): void;
}

declare const WebSocketPair: { new (): { 0: WorkersWebSocket; 1: WorkersWebSocket } };
