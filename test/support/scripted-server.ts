/**
 * A scripted AMI peer for client tests that need a server to misbehave in exact ways (say
 * nothing, close mid-message, send garbage). Real loopback TCP through the runtime's adapter.
 */
import { AmiDecoder } from "../../core/decoder.ts";
import { encodeHeaders } from "../../core/encoder.ts";
import type { AmiMessage } from "../../core/message.ts";
import type { Listener, Runtime, Transport } from "../../core/ports.ts";
import { BoundedQueue } from "../../core/client/bounded-queue.ts";

/** One accepted connection, seen from the server's side. */
export class ScriptedPeer {
  readonly transport: Transport;
  /** Actions received, in order. */
  readonly received: AmiMessage[] = [];
  readonly #actions = new BoundedQueue<AmiMessage>({ capacity: 100_000 });
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(transport: Transport) {
    this.transport = transport;
    this.#writer = transport.writable.getWriter();
    const decoder = new AmiDecoder({ message: (m) => (this.received.push(m), this.#actions.push(m)), error: () => {} });
    void (async () => {
      const reader = transport.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          decoder.push(value);
        }
      } catch {
        // the peer went away; the test decides what that means
      }
      this.#actions.close();
    })();
  }

  /** Writes raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data).catch(() => {});
  }

  /** Writes one message from pairs. */
  send(headers: Array<[string, string]>): Promise<void> {
    return this.write(encodeHeaders(headers));
  }

  /** Waits for the next action (undefined when the connection ended). */
  async next(): Promise<AmiMessage | undefined> {
    const { value, done } = await this.#actions.next();
    return done ? undefined : value;
  }

  /** Answers with `Response: Success` (plus headers) echoing the action's ActionID. */
  reply(action: AmiMessage, headers: Array<[string, string]> = [], status = "Success"): Promise<void> {
    return this.send([["Response", status], ["ActionID", action.get("ActionID") ?? ""], ...headers]);
  }

  /** Banner, then accepts the Login that follows. */
  async greetAndLogin(): Promise<AmiMessage | undefined> {
    await this.write("Asterisk Call Manager/11.0.0\r\n");
    const login = await this.next();
    if (login) await this.reply(login, [["Message", "Authentication accepted"]]);
    return login;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** A loopback server whose connections are handed to `script`, one per accept. */
export async function scriptedServer(runtime: Runtime, script: (peer: ScriptedPeer, index: number) => void | Promise<void>): Promise<{ listener: Listener; port: number; peers: ScriptedPeer[]; close(): Promise<void> }> {
  const peers: ScriptedPeer[] = [];
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => {
    const peer = new ScriptedPeer(transport);
    peers.push(peer);
    void Promise.resolve(script(peer, peers.length - 1)).catch(() => {});
  });
  return {
    listener,
    port: listener.port,
    peers,
    async close() {
      await listener.close();
      await Promise.all(peers.map((p) => p.close().catch(() => {})));
    },
  };
}
