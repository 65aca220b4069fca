import type { z } from 'zod';

/** A configuration problem that stops the process: names the source, the field and the expectation. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${source}: ${field || '(root)'}: ${expected}`);
    this.name = 'ConfigError';
  }

  static fromZod(source: string, error: z.ZodError): ConfigError {
    const issue = error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : '';
    return new ConfigError(source, field, issue?.message ?? 'invalid value');
  }
}
