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
