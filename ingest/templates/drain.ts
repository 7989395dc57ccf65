import { createHash } from 'node:crypto';
import type { TemplatesConfig } from '../config.ts';
import type { LogTemplate } from '../types.ts';
import { maskMessage, tokenize, WILDCARD } from './mask.ts';

/**
 * Drain log template miner (He et al., ICWS 2017; after the Drain3 implementation): a
 * fixed-depth prefix tree routes a line by token count and its first tokens to a leaf, where
 * it joins the most similar cluster or starts a new one. No I/O; state goes out through
 * snapshot() and back through restore().
 *
 * Cluster ids are given once, at creation, from a hash of the first template: the text
 * generalises as lines arrive (`a 1` -> `a <*>`), the id does not. The same input order
 * gives the same ids in every run.
 */

interface TreeNode {
  children: Map<string, TreeNode>;
  clusterIds: string[];
}

interface Cluster {
  id: string;
  tokens: string[];
  size: number;
  /** Sequence number of its last match, for least-recently-used eviction. */
  lastSeen: number;
}

export interface TemplateInfo extends LogTemplate {
  size: number;
}

export interface DrainSnapshot {
  version: 1;
  seq: number;
  clusters: Array<{ id: string; tokens: string[]; size: number; lastSeen: number }>;
  tree: SnapshotNode;
}
interface SnapshotNode { c?: Record<string, SnapshotNode>; ids?: string[] }

const hasDigit = (t: string): boolean => /\d/.test(t);

export class DrainMiner {
  private readonly cfg: TemplatesConfig;
  private readonly maxPrefix: number;
  private root: TreeNode = newNode();
  private clusters = new Map<string, Cluster>();
  private seq = 0;

  constructor(cfg: TemplatesConfig) {
    this.cfg = cfg;
    // Drain3 counts root, token-count layer and leaf in the depth: depth 4 = one prefix token.
    this.maxPrefix = cfg.depth - 3;
  }

  get size(): number { return this.clusters.size; }

  /** Assigns the message to a cluster and returns that cluster's current template. */
  add(message: string): LogTemplate {
    const tokens = tokenize(maskMessage(message));
    this.seq++;
    const found = this.search(tokens);
    if (found) {
      found.size++;
      found.lastSeen = this.seq;
      const merged = mergeTokens(found.tokens, tokens);
      if (merged) found.tokens = merged;
      return { id: found.id, text: found.tokens.join(' ') };
    }
    if (this.clusters.size >= this.cfg.maxClusters) this.evictOldest();
    const c: Cluster = { id: this.newId(tokens), tokens, size: 1, lastSeen: this.seq };
    this.clusters.set(c.id, c);
    this.insert(c);
    return { id: c.id, text: tokens.join(' ') };
  }

  /** Current template of a message without learning from it. */
  match(message: string): LogTemplate | undefined {
    const c = this.search(tokenize(maskMessage(message)));
    return c ? { id: c.id, text: c.tokens.join(' ') } : undefined;
  }

  templates(): TemplateInfo[] {
    return [...this.clusters.values()].map((c) => ({ id: c.id, text: c.tokens.join(' '), size: c.size }));
  }

  snapshot(): DrainSnapshot {
    const dump = (n: TreeNode): SnapshotNode => {
      const out: SnapshotNode = {};
      if (n.children.size > 0) out.c = Object.fromEntries([...n.children].map(([k, v]) => [k, dump(v)]));
      if (n.clusterIds.length > 0) out.ids = [...n.clusterIds];
      return out;
    };
    return {
      version: 1,
      seq: this.seq,
      clusters: [...this.clusters.values()].map((c) => ({ id: c.id, tokens: [...c.tokens], size: c.size, lastSeen: c.lastSeen })),
      tree: dump(this.root),
    };
  }

  restore(s: DrainSnapshot): void {
    if (s.version !== 1) throw new Error(`unsupported template snapshot version ${String(s.version)}`);
    const load = (n: SnapshotNode): TreeNode => ({
      children: new Map(Object.entries(n.c ?? {}).map(([k, v]) => [k, load(v)])),
      clusterIds: [...(n.ids ?? [])],
    });
    this.root = load(s.tree);
    this.clusters = new Map(s.clusters.map((c) => [c.id, { ...c, tokens: [...c.tokens] }]));
    this.seq = s.seq;
  }

  private newId(tokens: string[]): string {
    const base = 't' + createHash('sha1').update(tokens.join(' ')).digest('hex').slice(0, 10);
    // The same first text can start a second cluster once the first one has generalised
    // past the similarity threshold; a suffix keeps the two apart.
    let id = base;
    for (let i = 2; this.clusters.has(id); i++) id = `${base}-${i}`;
    return id;
  }

  private search(tokens: string[]): Cluster | undefined {
    let node = this.root.children.get(String(tokens.length));
    if (!node) return undefined;
    for (let depth = 0; depth < this.maxPrefix && depth < tokens.length - 1; depth++) {
      const next: TreeNode | undefined = node.children.get(tokens[depth] as string) ?? node.children.get(WILDCARD);
      if (!next) return undefined;
      node = next;
    }
    return this.bestMatch(node.clusterIds, tokens);
  }

  private bestMatch(ids: string[], tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const id of ids) {
      const c = this.clusters.get(id);
      if (!c) continue;
      const [sim, params] = similarity(c.tokens, tokens);
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c; bestSim = sim; bestParams = params;
      }
    }
    return best && bestSim >= this.cfg.similarity ? best : undefined;
  }

  private insert(c: Cluster): void {
    const lenKey = String(c.tokens.length);
    let node = this.root.children.get(lenKey);
    if (!node) { node = newNode(); this.root.children.set(lenKey, node); }
    for (let depth = 0; depth < this.maxPrefix && depth < c.tokens.length - 1; depth++) {
      node = this.childFor(node, c.tokens[depth] as string);
    }
    node.clusterIds.push(c.id);
  }

  /** Drain's rule for growing the tree: numeric tokens and overflow go to the wildcard branch. */
  private childFor(node: TreeNode, token: string): TreeNode {
    const existing = node.children.get(token);
    if (existing) return existing;
    const max = this.cfg.maxChildren;
    const wild = node.children.get(WILDCARD);
    let key: string;
    if (hasDigit(token)) key = WILDCARD;
    else if (wild) key = node.children.size < max ? token : WILDCARD;
    else key = node.children.size + 1 < max ? token : WILDCARD;
    let child = node.children.get(key);
    if (!child) { child = newNode(); node.children.set(key, child); }
    return child;
  }

  private evictOldest(): void {
    let oldest: Cluster | undefined;
    for (const c of this.clusters.values()) if (!oldest || c.lastSeen < oldest.lastSeen) oldest = c;
    if (!oldest) return;
    this.clusters.delete(oldest.id);
    // Only the subtree for its token count can hold it.
    const prune = (n: TreeNode): void => {
      const i = n.clusterIds.indexOf(oldest.id);
      if (i >= 0) n.clusterIds.splice(i, 1);
      for (const ch of n.children.values()) prune(ch);
    };
    prune(this.root.children.get(String(oldest.tokens.length)) ?? this.root);
  }
}

function newNode(): TreeNode {
  return { children: new Map(), clusterIds: [] };
}

/** Share of positions where the template equals the line, and how many wildcards it has. */
export function similarity(template: string[], tokens: string[]): [number, number] {
  if (template.length === 0) return [1, 0];
  let same = 0;
  let params = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t === WILDCARD) { params++; continue; }
    if (t === tokens[i]) same++;
  }
  return [same / template.length, params];
}

/** The generalised template, or undefined when the line adds nothing new. */
function mergeTokens(template: string[], tokens: string[]): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== WILDCARD && template[i] !== tokens[i]) {
      out ??= [...template];
      out[i] = WILDCARD;
    }
  }
  return out;
}
