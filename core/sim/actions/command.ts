/** `Action: Command`: CLI output as repeated `Output:` headers (Asterisk ≥ 14, command.raw). */
import type { ActionContext } from "../action-context.ts";
import { runCliCommand } from "../cli.ts";

export function command(ctx: ActionContext): void {
  const text = ctx.header("Command");
  if (text.trim() === "") return ctx.error("No command provided");
  const result = runCliCommand(text, ctx.pbx);
  ctx.respond(result.ok ? "Success" : "Error", [
    ["Message", "Command output follows"],
    ...result.lines.map((line): [string, string] => ["Output", line]),
  ]);
}
