/** One base error with a code; only src/cli maps codes to exit codes (design.md §7). */
export type ErrorCode = 'usage' | 'input' | 'catalog' | 'internal';

export class RkeHardenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RkeHardenError';
  }
}

export const usageError = (m: string) => new RkeHardenError('usage', m);
export const inputError = (m: string) => new RkeHardenError('input', m);
