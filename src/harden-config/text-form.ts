/**
 * How a user's file is written byte-wise — a byte order mark, CRLF line ends (a file edited on
 * Windows) — so that the hardened file is written the same way. Edited as LF text without a mark,
 * then put back in its form: a file already hardened renders to the same bytes and `--check` sees
 * no change.
 */
export interface TextForm {
  bom: boolean;
  crlf: boolean;
}

export function textFormOf(text: string): TextForm {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  return { bom: text.startsWith('\uFEFF'), crlf: crlf > 0 && crlf * 2 >= lf };
}

/** The text as LF lines without a byte order mark. */
export function plainText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

/** LF text written in a file's form. */
export function inTextForm(text: string, form: TextForm): string {
  return (form.bom ? '\uFEFF' : '') + (form.crlf ? text.replace(/\r?\n/g, '\r\n') : text);
}
