/** The `amibridge` command line, runtime-agnostic: each adapter's main.ts passes its runtime and exits with the code. */
import type { Runtime } from "../ports.ts";
import { AMIBRIDGE_VERSION } from "../version.ts";
import { AMI_USAGE, EXIT, amiCommand, type CliIo } from "./ami-command.ts";
import { CALLFILE_USAGE, callfileCommand } from "./callfile-command.ts";
import { type PluginList, SERVE_USAGE, serveCommand } from "./serve-command.ts";

const USAGE = `amibridge: an Asterisk Manager Interface bridge

commands:
  amibridge serve [--config file] [--port 8080] [--host 127.0.0.1] [--check]
                                                      run the bridge (upstreams from the config or AMI_URL=ami://user:secret@host:5038;
                                                      a built-in simulated PBX, the demo, when neither is set)
  amibridge ami <url> <Action> [Key=Value ...]        send one action, print the result as JSON
  amibridge ami <url> --events [--count N]            print events as JSON lines
  amibridge callfile --channel … --context … --extension … [--at +2m]
                                                      write a call file into the spool, print its job id (--status <id>: its state)
  amibridge --help | -h                               this help (also: amibridge <command> --help)
  amibridge --version | -V                            print the version

${SERVE_USAGE}

${AMI_USAGE}

${CALLFILE_USAGE}`;

/** `amibridge 0.1.0 (node)`: the release and the runtime it runs on. */
export function versionLine(runtime: Runtime): string {
  return `amibridge ${AMIBRIDGE_VERSION} (${runtime.name})`;
}

/** Runs `amibridge <command> …`; resolves with the process exit code. */
export async function runCli(runtime: Runtime, args: readonly string[], io: CliIo, options: { plugins?: PluginList } = {}): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "ami":
      return amiCommand(runtime, rest, io);
    case "serve":
      return serveCommand(runtime, rest, io, options.plugins);
    case "callfile":
      return callfileCommand(runtime, rest, io);
    // A bare `amibridge` asks what it can do; the demo is `amibridge serve` (what `npm start` runs).
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return EXIT.ok;
    case "version":
    case "--version":
    case "-V":
      io.out(versionLine(runtime));
      return EXIT.ok;
    default:
      io.err(`amibridge: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return EXIT.usage;
  }
}
