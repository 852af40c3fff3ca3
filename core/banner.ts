import { AmiError, preview } from "./errors.ts";

/** The greeting line a server sends on connect, e.g. `Asterisk Call Manager/11.0.0`. */
export interface Banner {
  /** Text before the last `/`: `Asterisk Call Manager`, or a proxy's own name. */
  product: string;
  /** AMI version (not the Asterisk version): 11.0.0 is Asterisk 22. */
  version: string;
}

const BANNER = /^(.+)\/(\d+(?:\.\d+)*)\s*$/;

/** Parses a banner line; any product name is accepted as long as it ends in `/<version>`. */
export function parseBanner(line: string): Banner {
  const match = BANNER.exec(line);
  if (!match) {
    throw new AmiError("BANNER_INVALID", `expected a banner line like "Asterisk Call Manager/11.0.0", got ${preview(line)}`);
  }
  return { product: match[1]!, version: match[2]! };
}
