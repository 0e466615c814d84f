/** Output formats, apart from the code that renders them: declaring the options must not load the reporters. */
export const FORMATS = ['text', 'json', 'junit', 'sarif', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export const DIFF_FORMATS = ['text', 'json', 'markdown'] as const;
