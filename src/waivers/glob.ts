/**
 * A target glob as a RegExp over the whole name: `**` matches any text (also across `/`), `**\/` any
 * number of leading directories (none too), `*` any text without `/`, `?` one character other than `/`.
 * Every other character is literal (target names contain spaces, parentheses and brackets).
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    // Escape every RegExp metacharacter so the rest matches literally.
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function matchesGlob(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}
