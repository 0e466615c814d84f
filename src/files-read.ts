/**
 * Every file this process has read, as it was named: a report, diff or snapshot it writes must never
 * go over one (`audit config dir/ --output dir/config.yaml` would replace the configuration it just
 * audited). Kept as a set: a long-running agent reads the same files again, so it stays as large as the
 * set of distinct files. Each CLI command starts with it empty (the CLI runs in-process in tests).
 */
const read = new Set<string>();

export function noteFileRead(file: string): void {
  read.add(file);
}

export function filesRead(): string[] {
  return [...read];
}

export function forgetFilesRead(): void {
  read.clear();
}
