/**
 * How components read the value of a list or map flag (`a,b` / `k=v,k2=v2`, component-base's
 * StringSlice and MapStringBool/MapStringString): one reading for the arg map, the kubelet's feature
 * gates and the config layer's list-replacement warnings.
 */

/** The items of a list or map flag's value: comma-separated, trimmed, empty ones dropped. */
export const flagItems = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

/** One item of a map flag: `key=value`, or a bare `key` (no value), both trimmed. */
export function mapItem(item: string): { key: string; value?: string } {
  const eq = item.indexOf('=');
  return eq < 0 ? { key: item.trim() } : { key: item.slice(0, eq).trim(), value: item.slice(eq + 1).trim() };
}
