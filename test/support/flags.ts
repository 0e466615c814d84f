// Command-line flags as `--name=value` strings: defaults that extra flags can override.

/** The flag name of `--name=value`, `--name` or `-v=2`; undefined for a positional argument. */
export function flagName(arg: string): string | undefined {
  const match = /^--?([^=\s]+)/.exec(arg);
  return match?.[1];
}

/**
 * `defaults` followed by `extra`, where every default whose flag name appears in `extra` is dropped:
 * an extra `--authorization-mode=RBAC` replaces the default rather than being repeated after it
 * (repeating matters for list flags such as --enable-admission-plugins, which accumulate).
 */
export function mergeFlags(defaults: string[], extra: string[]): string[] {
  const overridden = new Set(extra.map(flagName).filter((name): name is string => name !== undefined));
  return [...defaults.filter((arg) => !overridden.has(flagName(arg) ?? '')), ...extra];
}

/** Replaces every `{{dir}}` with `dir`. */
export function substituteDir(text: string, dir: string): string {
  return text.replaceAll('{{dir}}', dir);
}
