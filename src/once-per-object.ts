/**
 * `fn`, computed once per key object and kept as long as the key lives (a WeakMap): for values derived
 * from immutable inputs (a check, a pod list, a host) that hot paths ask for again and again.
 */
export function oncePerObject<K extends object, V>(fn: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}

/**
 * `fn`, computed once per string key and kept for the life of the process (a Map): only for keys from a
 * bounded set this tool ships (catalog texts and fact keys, distro data templates, target kinds), never
 * for strings read from audited files.
 */
export function oncePerKey<V>(fn: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    // One lookup on the hot path: has() only for a value that is itself undefined.
    const known = cache.get(key);
    if (known !== undefined || cache.has(key)) return known as V;
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}
