/** One base error with a code; only src/cli maps codes to exit codes (design.md §7). */
export type ErrorCode = 'usage' | 'input' | 'catalog' | 'internal' | 'incomplete';

export class RkeHardenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RkeHardenError';
  }
}

/**
 * Input rke-harden does not audit as it is: a template (placeholders not yet rendered), a K3s cluster.
 * Named alone it is an input error; found in a directory walk it is skipped with this message (a chart's
 * templates or a K3s edge cluster beside the RKE ones do not make the scan incomplete).
 */
export class NotAuditedInputError extends RkeHardenError {
  constructor(message: string) {
    super('input', message);
    this.name = 'NotAuditedInputError';
  }
}

export const usageError = (m: string) => new RkeHardenError('usage', m);
export const inputError = (m: string) => new RkeHardenError('input', m);
/** A scan that could not be made (a cluster out of reach, nothing to choose its benchmark from): exit 3, not an input error. */
export const incompleteError = (m: string) => new RkeHardenError('incomplete', m);
