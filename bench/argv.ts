// Command-line options of the bench scripts: `--name value` pairs after the script's path.
export const args = process.argv.slice(2);

/** The value after `name`, if given. */
export function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Every value given after a repeated `name`. */
export function options(name: string): string[] {
  return args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
}

/** A positive whole number after `name`, or the fallback; anything else is an error. */
export function positiveInt(name: string, fallback: number): number {
  const given = option(name);
  const v = given === undefined ? fallback : Number(given);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: a positive integer`);
  return v;
}
