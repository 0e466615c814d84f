/** Placeholder entry; replaced by the full CLI. */
export async function main(_argv: string[]): Promise<number> {
  return 0;
}
