// Every file, directory and link under a root with its mode, owner and content: a test compares two
// of them to show that a plan changed nothing, or that a rollback gave everything back.
import fs from 'node:fs';
import path from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'link';
  mode: number;
  uid: number;
  gid: number;
  /** A file's content (base64), a link's target. */
  content?: string;
}

export function treeState(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        out[rel] = { type: 'dir', ...base };
        walk(p);
      } else if (st.isSymbolicLink()) out[rel] = { type: 'link', ...base, content: fs.readlinkSync(p) };
      else out[rel] = { type: 'file', ...base, content: fs.readFileSync(p).toString('base64') };
    }
  };
  walk(root);
  return out;
}
