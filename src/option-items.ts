/**
 * The items of a repeatable option whose values may themselves be comma lists, as every list option of
 * the CLI takes them (`--skip 1.2.1,4.2 --skip 5`, `--role etcd,controlplane`): trimmed, empty ones dropped.
 */
export function optionItems(given: readonly string[]): string[] {
  return given.flatMap((g) => g.split(',')).map((s) => s.trim()).filter(Boolean);
}
