import { describe, expect, test } from "bun:test";
import { AmiDecoderStream } from "../../core/decoder-stream.ts";
import type { AmiMessage } from "../../core/message.ts";

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<AmiMessage>): Promise<AmiMessage[]> {
  const out: AmiMessage[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe("AmiDecoderStream", () => {
  test("decodes a banner and messages split across chunks", async () => {
    let banner = "";
    const messages = await collect(
      streamOf("Asterisk Call Man", "ager/11.0.0\r\nResponse: Succ", "ess\r\nPing: Pong\r\n\r", "\nEvent: Hangup\r\nCause: 16\r\n\r\n").pipeThrough(
        new AmiDecoderStream({ banner: true, onBanner: (line) => (banner = line) }),
      ),
    );
    expect(banner).toBe("Asterisk Call Manager/11.0.0");
    expect(messages.map((m) => [m.kind, m.name])).toEqual([["response", "Success"], ["event", "Hangup"]]);
    expect(messages[0]!.get("Ping")).toBe("Pong");
  });

  test("a broken message goes to onError and the next one still decodes", async () => {
    const errors: string[] = [];
    const messages = await collect(
      streamOf(`Event: Big\r\nValue: ${"x".repeat(100)}\r\n\r\nEvent: Small\r\n\r\n`).pipeThrough(
        new AmiDecoderStream({ maxLineBytes: 50, onError: (e) => errors.push(e.code) }),
      ),
    );
    expect(errors).toEqual(["LINE_TOO_LONG"]);
    expect(messages.map((m) => m.name)).toEqual(["Small"]);
  });

  test("without onError a broken message, or a truncated end, errors the stream", async () => {
    const tooLong = collect(streamOf(`Event: Big\r\nValue: ${"x".repeat(100)}\r\n\r\n`).pipeThrough(new AmiDecoderStream({ maxLineBytes: 50 })));
    expect((await tooLong.catch((e) => e)).code).toBe("LINE_TOO_LONG");
    const truncated = collect(streamOf("Event: Cut\r\nChannel: PJSIP/a").pipeThrough(new AmiDecoderStream()));
    expect((await truncated.catch((e) => e)).code).toBe("TRUNCATED");
  });
});
