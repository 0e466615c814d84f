/**
 * Every file a CLI command has read, as it was named: a report, diff or snapshot it writes must never
 * go over one (`audit config dir/ --output dir/config.yaml` would replace the configuration it just
 * audited). Recorded only while a CLI command runs (the library API records nothing, so a long-lived
 * caller does not collect paths); a long-running agent reads the same files again, so the set stays as
 * large as the set of distinct files.
 */
let read: Set<string> | undefined;

/** Called as a CLI command starts (the CLI runs in-process in tests: each command starts empty). */
export function recordFilesRead(): void {
  read = new Set();
}

export function noteFileRead(file: string): void {
  read?.add(file);
}

export function filesRead(): string[] {
  return read ? [...read] : [];
}
