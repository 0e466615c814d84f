/**
 * Plain scalars as go-yaml v2 resolves them (YAML 1.1): how RKE reads cluster.yml (its typed fields) and
 * k3s reads RKE2's config.yaml (untyped values printed as flag values). A quoted scalar is never one of
 * these: it is a string.
 */
const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);

/** true / false for a YAML 1.1 boolean (`yes`, `On`, `n`, …), else undefined. */
export function yaml11Bool(text: string): boolean | undefined {
  return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
}

/**
 * The integer a YAML 1.1 plain scalar is (go-yaml v2: `_` dropped, then Go's ParseInt with base prefixes,
 * so `0644` is octal, `0x1F` hex), else undefined.
 */
export function yaml11Int(text: string): number | undefined {
  const m = /^([-+]?)(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|[1-9][0-9]*|0)$/.exec(text.replaceAll('_', ''));
  if (!m) return undefined;
  const digits = m[2]!;
  const n = digits.startsWith('0b') ? parseInt(digits.slice(2), 2)
    : digits.startsWith('0x') ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0') ? parseInt(digits.replace(/^0o?/, ''), 8)
    : Number(digits);
  return m[1] === '-' ? -n : n;
}
