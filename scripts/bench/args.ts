/** `--name value` from the command line (`npm run bench:x -- --name value`), or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

export function numberArg(name: string, fallback: number): number {
  return Number(arg(name, String(fallback)));
}
