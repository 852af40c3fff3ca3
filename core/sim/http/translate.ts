/**
 * AMI output as `/mxml` and `/manager` show it: a port of manager.c's xml_translate and
 * xml_copy_escape, quirks included (a blank line after a bare LF is swallowed, trailing blanks
 * of a line are cut, repeated names get `-2`, `-3` …, a line without a colon starts `Opaque-data`).
 */
import type { Pairs } from "../events.ts";

/** Which of the two translated formats. */
export type TranslatedFormat = "xml" | "html";

const ESCAPES: Readonly<Record<string, string>> = { "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "&": "&amp;" };

function isAlnum(char: string): boolean {
  return /^[A-Za-z0-9]$/.test(char);
}

/** xml_copy_escape: `name` set makes an XML attribute name (lower case, non-alphanumerics as `_`, no leading digit). */
function escapeText(text: string, name: boolean): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (name) {
      if (i === 0 && char >= "0" && char <= "9") {
        out += `_${char}`;
        continue;
      }
      if (!isAlnum(char)) {
        out += "_";
        continue;
      }
    }
    out += ESCAPES[char] ?? (name ? char.toLowerCase() : char);
  }
  return out;
}

/** ast_trim_blanks: drops trailing bytes below 33. */
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) < 33) end--;
  return text.slice(0, end);
}

/** ast_skip_blanks: drops leading bytes below 33. */
function trimStart(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) < 33) start++;
  return text.slice(start);
}

/** The last value of a case-insensitively named parameter, or undefined. */
function param(params: Pairs, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of params) if (key.toLowerCase() === name) found = value;
  return found;
}

/** Translates raw AMI output (messages separated by blank lines) into XML elements or HTML table rows. */
export function translateOutput(input: string, format: TranslatedFormat, params: Pairs): string {
  const xml = format === "xml";
  const dest = (xml && param(params, "ajaxdest")) || "unknown";
  const objtype = (xml && param(params, "ajaxobjtype")) || "generic";
  const closeBlock = xml ? " /></response>\n" : '<tr><td colspan="2"><hr></td></tr>\r\n';
  let out = "";
  let inData = false;
  let inObj = false;
  let counts = new Map<string, number>();
  let rest: string | undefined = input;
  while (rest !== undefined && rest !== "") {
    const cr = rest.indexOf("\r");
    const lf = rest.indexOf("\n");
    const at = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
    let line: string;
    if (at < 0) {
      line = rest;
      rest = undefined;
    } else {
      line = rest.slice(0, at);
      rest = rest.slice(at + 1);
      if (rest.startsWith("\n")) rest = rest.slice(1);
    }
    line = trimEnd(line);
    if (line === "") {
      if (inData) {
        out += xml ? "'" : "</td></tr>\n";
        inData = false;
      }
      if (inObj) {
        out += closeBlock;
        inObj = false;
      }
      continue;
    }
    if (!inObj) {
      if (xml) out += `<response type='object' id='${dest}'><${objtype}`;
      counts = new Map();
      inObj = true;
    }
    if (inData) {
      out += (xml ? "\n" : "<br>\n") + escapeText(line, false);
      continue;
    }
    const colon = line.indexOf(":");
    let name: string;
    let value: string;
    if (colon >= 0) {
      name = trimEnd(line.slice(0, colon));
      value = trimStart(line.slice(colon + 1));
    } else {
      name = "Opaque-data";
      value = line;
      inData = true;
    }
    const count = (counts.get(name) ?? 0) + 1;
    counts.set(name, count);
    out += (xml ? " " : "<tr><td>") + escapeText(name, xml) + (count > 1 ? `-${count}` : "") + (xml ? "='" : "</td><td>") + escapeText(value, false);
    if (!inData || rest === undefined || rest === "") out += xml ? "'" : "</td></tr>\n";
  }
  if (inObj) out += closeBlock;
  return out;
}

const HTML_TESTER_FORM = [
  '<form action="manager" method="post">',
  '\tAction: <select name="action">',
  '\t\t<option value="">-----&gt;</option>',
  '\t\t<option value="login">login</option>',
  '\t\t<option value="command">Command</option>',
  '\t\t<option value="waitevent">waitevent</option>',
  '\t\t<option value="listcommands">listcommands</option>',
  "\t</select>",
  '\tor <input name="action"><br/>',
  '\tCLI Command <input name="command"><br>',
  '\tuser <input name="username"> pass <input type="password" name="secret"><br>',
  '\t<input type="submit">',
  "</form>",
  "",
].join("\n");

function testerRow(html: string): string {
  return `<tr><td colspan="2" bgcolor="#f1f1ff">${html}</td></tr>\r\n`;
}

/** The page around `/manager` output (generic_http_callback). */
export function managerPage(rows: string): string {
  return (
    '<title>Asterisk&trade; Manager Interface</title><body bgcolor="#ffffff"><table align=center bgcolor="#f1f1f1" width="500">\r\n' +
    testerRow("<h1>Manager Tester</h1>") +
    testerRow(HTML_TESTER_FORM) +
    rows +
    "</table></body>\r\n"
  );
}

/** The page around `/amanager` output (auth_http_callback). */
export function digestManagerPage(rows: string): string {
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>Asterisk&trade; Manager Interface</title>\r\n' +
    '</head><body style="background-color: #ffffff;">\r\n<form method="POST">\r\n' +
    '<table align="center" style="background-color: #f1f1f1;" width="500">\r\n' +
    '<tr><th colspan="2" style="background-color: #f1f1ff;"><h1>Manager Tester</h1></th></tr>\r\n' +
    '<tr><th colspan="2" style="background-color: #f1f1ff;">Action: <input name="action" /> Cmd: <input name="command" /><br>' +
    '<input type="submit" value="Send request" /></th></tr>\r\n' +
    rows +
    "</table></form></body></html>\r\n"
  );
}

/** `<ajax-response>` around `/mxml` output. */
export function ajaxResponse(elements: string): string {
  return `<ajax-response>\n${elements}</ajax-response>\n`;
}

/** ast_http_create_response's page for an error status (the 401 of a digest challenge among them). */
export function errorPage(status: number, title: string, text: string, serverName: string): string {
  const escaped = escapeText(text, false);
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n' +
    `<title>${status} ${title}</title>\r\n</head><body>\r\n<h1>${title}</h1>\r\n<p>${escaped}</p>\r\n<hr />\r\n` +
    `<address>${escapeText(serverName, false)}</address>\r\n</body></html>\r\n`
  );
}
