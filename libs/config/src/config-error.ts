/** A setting (environment variable or flag) with a bad value; the message names it and what was expected. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly setting: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${setting}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'ConfigError';
  }
}
