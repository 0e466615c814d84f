/**
 * The etcd user and group as lines of the host's account databases (pure). What Rancher's guides run:
 *   RKE1: groupadd --gid 52034 etcd; useradd --comment "etcd service account" --uid 52034 --gid 52034 etcd --shell /usr/sbin/nologin
 *   RKE2: useradd -r -c "etcd user" -s /sbin/nologin -M etcd -U
 * Here the same entries are computed as lines appended to etc/group, etc/gshadow, etc/passwd and
 * etc/shadow, the way shadow-utils writes them (a locked password `!`, system accounts without
 * password aging, a system id chosen from the top of SYS_UID_MIN..SYS_UID_MAX, the same number for
 * the group when it is free).
 */

export const ETCD_NAME = 'etcd';
export const RKE1_ETCD_ID = 52034;

export interface DbEntry {
  name: string;
  fields: string[];
}

/** Entries of a colon-separated database; blank lines, comments and NIS `+`/`-` lines are skipped. */
export function parseDb(text: string): DbEntry[] {
  const out: DbEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    out.push({ name: fields[0]!, fields });
  }
  return out;
}

const idOf = (e: DbEntry): number | undefined => (e.fields[2] !== undefined && /^\d+$/.test(e.fields[2]) ? Number(e.fields[2]) : undefined);

/** KEY VALUE settings of etc/login.defs. */
export function parseLoginDefs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s+(\S+)/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out.set(m[1]!, m[2]!);
  }
  return out;
}

function defNumber(defs: Map<string, string>, key: string, fallback: number): number {
  const v = defs.get(key);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : fallback;
}

/** The highest id there is: (uid_t)-1 means "no id" to the kernel and to chown. */
const MAX_ID = 4294967294;

/**
 * A system id bound of login.defs as useradd reads it (getdef_ulong): a number up to MAX_ID, else the
 * default, with a warning naming the key.
 */
function defId(defs: Map<string, string>, key: string, fallback: number, warnings: string[]): number {
  const v = defs.get(key);
  if (v === undefined) return fallback;
  if (/^\d+$/.test(v) && Number(v) <= MAX_ID) return Number(v);
  warnings.push(`/etc/login.defs: ${key} ${v} is not a user or group id: ${fallback} is used, as useradd does`);
  return fallback;
}

export interface AccountsInput {
  distro: 'rke1' | 'rke2';
  passwd: string;
  group: string;
  /** Absent when the host has no such file (then no line is added to it). */
  shadow?: string;
  gshadow?: string;
  loginDefs?: string;
  /** Which nologin shells exist on the host. */
  shells: { usrSbin: boolean; sbin: boolean };
  /** Days since 1970-01-01 (shadow's last-change field). */
  today: number;
}

export interface AccountLines {
  /** Host path → lines to append. */
  add: Map<'/etc/group' | '/etc/gshadow' | '/etc/passwd' | '/etc/shadow', string[]>;
  /** What is decided, for the plan's titles: e.g. "group etcd (gid 52034)". */
  titles: Map<string, string>;
  warnings: string[];
  blockers: string[];
}

/** The highest id in [min, max] not in `used` (and preferably not in `alsoFree`'s complement). */
function pickSystemId(min: number, max: number, used: Set<number>, prefer?: (id: number) => boolean): number | undefined {
  if (prefer) for (let id = max; id >= min; id--) if (!used.has(id) && prefer(id)) return id;
  for (let id = max; id >= min; id--) if (!used.has(id)) return id;
  return undefined;
}

export function planEtcdAccount(input: AccountsInput): AccountLines {
  const out: AccountLines = { add: new Map(), titles: new Map(), warnings: [], blockers: [] };
  const users = parseDb(input.passwd);
  const groups = parseDb(input.group);
  const defs = parseLoginDefs(input.loginDefs);
  const ids = {
    uidMin: defId(defs, 'SYS_UID_MIN', 101, out.warnings), uidMax: defId(defs, 'SYS_UID_MAX', 999, out.warnings),
    gidMin: defId(defs, 'SYS_GID_MIN', 101, out.warnings), gidMax: defId(defs, 'SYS_GID_MAX', 999, out.warnings),
  };
  const usedUids = new Set(users.map(idOf).filter((n): n is number => n !== undefined));
  const usedGids = new Set(groups.map(idOf).filter((n): n is number => n !== undefined));
  const user = users.find((u) => u.name === ETCD_NAME);
  const group = groups.find((g) => g.name === ETCD_NAME);

  // The group.
  let gid: number | undefined = group ? idOf(group) : undefined;
  if (group && gid === undefined) out.blockers.push(`/etc/group: the etcd entry has no numeric gid ("${group.fields.join(':')}")`);
  if (input.distro === 'rke1' && group && gid !== undefined && gid !== RKE1_ETCD_ID) {
    out.blockers.push(
      `group etcd exists with gid ${gid}, but RKE1's hardened cluster.yml sets services.etcd.gid: ${RKE1_ETCD_ID}: set gid ${gid} there (and uid to match) or renumber the group`,
    );
  }
  let newGroup = false;
  if (!group) {
    if (input.distro === 'rke1') {
      const holder = groups.find((g) => idOf(g) === RKE1_ETCD_ID);
      if (holder) out.blockers.push(`gid ${RKE1_ETCD_ID} is taken by group ${holder.name}: the etcd group cannot get RKE1's gid`);
      else gid = RKE1_ETCD_ID;
    } else {
      const [min, max] = [ids.gidMin, ids.gidMax];
      // A user without its group: give the group the number the user already names as primary group.
      const wanted = user && /^\d+$/.test(user.fields[3] ?? '') ? Number(user.fields[3]) : undefined;
      gid =
        wanted !== undefined && !usedGids.has(wanted)
          ? wanted
          : pickSystemId(min, max, usedGids, user ? undefined : (id) => !usedUids.has(id) && id >= ids.uidMin && id <= ids.uidMax);
      if (gid === undefined) out.blockers.push(`no free system gid in ${min}..${max} (etc/login.defs SYS_GID_MIN/SYS_GID_MAX) for group etcd`);
    }
    if (gid !== undefined) {
      newGroup = true;
      out.add.set('/etc/group', [`${ETCD_NAME}:x:${gid}:`]);
      out.titles.set('/etc/group', `group etcd (gid ${gid})`);
    }
  }
  if (input.gshadow !== undefined && (group || newGroup) && !parseDb(input.gshadow).some((e) => e.name === ETCD_NAME)) {
    out.add.set('/etc/gshadow', [`${ETCD_NAME}:!::`]);
    out.titles.set('/etc/gshadow', 'group etcd (locked group password)');
  }

  // The user.
  let uid: number | undefined = user ? idOf(user) : undefined;
  const system = input.distro === 'rke2';
  if (user && uid === undefined) out.blockers.push(`/etc/passwd: the etcd entry has no numeric uid`);
  if (input.distro === 'rke1' && user && uid !== undefined && uid !== RKE1_ETCD_ID) {
    out.blockers.push(
      `user etcd exists with uid ${uid}, but RKE1's hardened cluster.yml sets services.etcd.uid: ${RKE1_ETCD_ID}: set uid ${uid} there (and gid to match) or renumber the user`,
    );
  }
  if (!user && gid !== undefined) {
    if (input.distro === 'rke1') {
      const holder = users.find((u) => idOf(u) === RKE1_ETCD_ID);
      if (holder) out.blockers.push(`uid ${RKE1_ETCD_ID} is taken by user ${holder.name}: the etcd user cannot get RKE1's uid`);
      else uid = RKE1_ETCD_ID;
    } else {
      const [min, max] = [ids.uidMin, ids.uidMax];
      uid = !usedUids.has(gid) && gid >= min && gid <= max ? gid : pickSystemId(min, max, usedUids);
      if (uid === undefined) out.blockers.push(`no free system uid in ${min}..${max} (etc/login.defs SYS_UID_MIN/SYS_UID_MAX) for user etcd`);
    }
    if (uid !== undefined) {
      const preferred = input.distro === 'rke1' ? '/usr/sbin/nologin' : '/sbin/nologin';
      const shell = preferred === '/usr/sbin/nologin' ? (input.shells.usrSbin || !input.shells.sbin ? '/usr/sbin/nologin' : '/sbin/nologin') : input.shells.sbin || !input.shells.usrSbin ? '/sbin/nologin' : '/usr/sbin/nologin';
      const comment = input.distro === 'rke1' ? 'etcd service account' : 'etcd user';
      out.add.set('/etc/passwd', [`${ETCD_NAME}:x:${uid}:${gid}:${comment}:/home/${ETCD_NAME}:${shell}`]);
      out.titles.set('/etc/passwd', `user etcd (uid ${uid}, gid ${gid}, shell ${shell}, no home directory)`);
    }
  } else if (user && gid !== undefined && user.fields[3] !== String(gid)) {
    out.warnings.push(`user etcd's primary group is gid ${user.fields[3] ?? '?'}, not the etcd group (gid ${gid})`);
  }
  if (input.shadow !== undefined && (user || out.add.has('/etc/passwd')) && !parseDb(input.shadow).some((e) => e.name === ETCD_NAME)) {
    // useradd: a locked password; normal accounts take the aging defaults of login.defs, system accounts none.
    const aging = system
      ? ['', '', '']
      : ['PASS_MIN_DAYS', 'PASS_MAX_DAYS', 'PASS_WARN_AGE'].map((k) => (defs.has(k) ? String(defNumber(defs, k, -1)) : '')).map((v) => (v === '-1' ? '' : v));
    out.add.set('/etc/shadow', [`${ETCD_NAME}:!:${input.today}:${aging.join(':')}:::`]);
    out.titles.set('/etc/shadow', 'user etcd (locked password)');
  }
  // The user and group are one account: with a blocker, neither half is added.
  if (out.blockers.length) {
    out.add.clear();
    out.titles.clear();
  }
  return out;
}

/** The text to append so that `lines` follow `content` on lines of their own. */
export function appendText(content: string, lines: string[]): string {
  return (content === '' || content.endsWith('\n') ? '' : '\n') + lines.map((l) => `${l}\n`).join('');
}
