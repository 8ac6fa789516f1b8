/**
 * A map keyed by up to three parts (zone, type, name) instead of one joined string. Joining makes a
 * fresh string per lookup that must be flattened and hashed; nested maps reuse the parts' cached
 * hashes, and passing parts as arguments allocates nothing. At 10,000 workspaces this is most of
 * the difference between a fast plan and a slow one.
 */
export type KeyPart = string | number;

export interface KeyParts {
  readonly a: KeyPart;
  readonly b: KeyPart;
  readonly c: KeyPart;
}

export class KeyTable<V> {
  private readonly root = new Map<KeyPart, Map<KeyPart, Map<KeyPart, V>>>();

  get(a: KeyPart, b: KeyPart, c: KeyPart): V | undefined {
    return this.root.get(a)?.get(b)?.get(c);
  }

  set(a: KeyPart, b: KeyPart, c: KeyPart, value: V): void {
    let level1 = this.root.get(a);
    if (level1 === undefined) {
      level1 = new Map();
      this.root.set(a, level1);
    }
    let level2 = level1.get(b);
    if (level2 === undefined) {
      level2 = new Map();
      level1.set(b, level2);
    }
    level2.set(c, value);
  }
}
