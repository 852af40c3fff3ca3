/** The amibridge release, as `/healthz` reports it; kept equal to package.json's (a test checks). */
export const AMIBRIDGE_VERSION = "0.1.0";
