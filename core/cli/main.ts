/** The `amibridge` command line, runtime-agnostic: each adapter's main.ts passes its runtime and exits with the code. */
import type { Runtime } from "../ports.ts";
import { AMI_USAGE, EXIT, amiCommand, type CliIo } from "./ami-command.ts";
import { type PluginList, SERVE_USAGE, serveCommand } from "./serve-command.ts";

const USAGE = `amibridge: an Asterisk Manager Interface bridge

commands:
  amibridge serve [--config file] [--port 8080] [--host 127.0.0.1]
                                                      run the bridge (upstreams from the config or AMI_URL=ami://user:secret@host:5038;
                                                      a built-in simulated PBX when neither is set)
  amibridge ami <url> <Action> [Key=Value ...]        send one action, print the result as JSON
  amibridge ami <url> --events [--count N]            print events as JSON lines

${SERVE_USAGE}

${AMI_USAGE}`;

/** Runs `amibridge <command> …`; resolves with the process exit code. */
export async function runCli(runtime: Runtime, args: readonly string[], io: CliIo, options: { plugins?: PluginList } = {}): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "ami":
      return amiCommand(runtime, rest, io);
    case "serve":
    case undefined:
      return serveCommand(runtime, rest, io, options.plugins);
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return EXIT.ok;
    default:
      io.err(`amibridge: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return EXIT.usage;
  }
}
