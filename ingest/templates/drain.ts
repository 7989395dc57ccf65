import { createHash } from 'node:crypto';
import type { TemplatesConfig } from '../config.ts';
import type { LogTemplate } from '../types.ts';
import { createTokenizer, WILDCARD, type Tokenizer } from './mask.ts';
import { MASK_PRESETS } from './presets.ts';
import { Recency } from './recency.ts';

/**
 * Drain log template miner (He et al., ICWS 2017; after the Drain3 implementation): a
 * fixed-depth prefix tree routes a line by token count and its first tokens to a leaf, where
 * it joins the most similar cluster or starts a new one. No I/O; state goes out through
 * snapshot() and back through restore().
 *
 * Where it departs from Drain3, each measured on the LogHub development split (`foresight
 * eval loghub`):
 * - a line that fits a template exactly joins it even below the similarity threshold, so a
 *   line made mostly of numbers still matches its own cluster (Drain3 counts `<*>` positions
 *   as mismatches: the "number-heavy cliff", and clusters that grow on every pass);
 * - the tree and leaves hold cluster objects, never joined strings; a template's text is
 *   joined only when it changes;
 * - least-recently-used eviction keeps a log of stamped uses (recency.ts: O(1) amortised per
 *   line, no scan);
 * - clusters merge as evidence arrives (`merge`, on by default): when a cluster's template
 *   changes or a cluster is created, a sibling in its leaf whose template differs only where
 *   the other has a `<*>` that replaced a literal word is folded in (`load hive SYSTEM` kept
 *   apart by its constant, then `load hive <*>` from `Users` and `Default`). The larger cluster survives; the other's id
 *   becomes an alias of it, so an id handed out once still resolves (resolve()) for counts,
 *   detections and documents that carry it, and snapshots keep the aliases; the constructor's
 *   `merged` hook hears of each merge (the daemon folds what it kept under the old ids).
 *
 * Cluster ids are given once, at creation, from a hash of the first template: the text
 * generalises as lines arrive (`a 1` -> `a <*>`), the id does not. The same input order
 * gives the same ids in every run.
 */

interface TreeNode {
  children: Map<string, TreeNode>;
  /**
   * The key of the only child, when there is exactly one (undefined otherwise), and that child:
   * 70 % of the lookups on the LogHub lines meet such a node, and one string compare is cheaper
   * than hashing the line's fresh token for the Map.
   */
  onlyKey: string | undefined;
  onlyChild: TreeNode | undefined;
  clusters: Cluster[];
  /** Bumped whenever a cluster joins or leaves the leaf or a template in it changes (DrainMiner.remembered). */
  epoch: number;
}

/**
 * What search() found for one token list: valid while the tree's shape (treeEpoch) and the
 * leaf it reached (its epoch) are as they were, which is everything bestMatch() reads.
 */
interface Remembered {
  tokens: string[];
  cluster: Cluster;
  exact: boolean;
  leaf: TreeNode;
  leafEpoch: number;
  treeEpoch: number;
}

/** Token lists remembered at most (then the token-list cache starts again). */
const REMEMBERED = 1 << 16;

interface Cluster {
  id: string;
  tokens: string[];
  size: number;
  template: LogTemplate;
  /** Keys from the token-count layer down to its leaf. */
  path: string[];
  leaf: TreeNode;
  /** Its place in the least-recently-used order (Recency). */
  slot: number;
  /** Ids of clusters merged into this one (each an entry of DrainMiner.aliases). */
  merged: string[];
  /**
   * Positions whose `<*>` replaced a literal word (generalised, not masked by the tokenizer):
   * only these take another cluster's literal in a merge.
   */
  slots: Set<number>;
  /**
   * Per template token, computed once at link() with the `foresight` preset: CONSTANT
   * (isConstant), VALUE (isValueShape), else 0. Generalising only ever turns a token into `<*>`,
   * which bestMatch() tests first, so the kinds never go stale.
   */
  kinds: Uint8Array;
}

export interface DrainOptions {
  /**
   * Hears of every merge as it happens: the ids that now resolve to `into` (the folded
   * cluster's and those merged into it before) and the survivor's template. Called only when
   * clusters merge, never per line.
   */
  merged?(ids: readonly string[], into: LogTemplate): void;
  /**
   * The tokenizer's memos and the token-list cache (default on). Off gives the same answers:
   * the reference the tests and benches compare the caches against.
   */
  caches?: boolean;
}

export interface TemplateInfo extends LogTemplate {
  size: number;
}

export interface DrainSnapshot {
  version: 3;
  /** Least recently used first. */
  clusters: Array<{ id: string; tokens: string[]; size: number; path: string[]; slots?: number[] }>;
  /** Ids of merged clusters and the live cluster each now resolves to, oldest merge first. */
  aliases: Array<{ from: string; to: string }>;
}

/** Snapshots written before clusters merged: no aliases. */
export interface DrainSnapshotV2 {
  version: 2;
  clusters: Array<{ id: string; tokens: string[]; size: number; path: string[] }>;
}

const hasDigit = (t: string): boolean => {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
};

export class DrainMiner {
  private readonly cfg: TemplatesConfig;
  private readonly maxPrefix: number;
  private readonly tokenize: Tokenizer;
  private readonly constants: boolean;
  /** The token-count layer, indexed by the count. */
  private root: Array<TreeNode | undefined> = [];
  private clusters = new Map<string, Cluster>();
  private recency = new Recency<Cluster>();
  /** Whether the cluster search() last returned fits the line exactly (every literal equal). */
  private exact = false;
  /** Merged cluster id -> the live cluster id it resolves to (never a chain). */
  private aliases = new Map<string, string>();
  /**
   * The token-list cache: signature -> what search() found for that list. Most lines repeat an
   * earlier line's tokens once values are masked (80-99 % of each LogHub 2k set, 92 % on
   * average); while nothing on their way changed they go to the same cluster, so a hit
   * replaces the tree walk and the similarity scan with one compare of the token lists.
   */
  private remembered = new Map<number, Remembered>();
  /** Bumped on every change of a node's children (a line may take another way down the tree). */
  private treeEpoch = 0;
  /** The leaf search() reached last. */
  private reached: TreeNode | undefined;
  /**
   * A token list is remembered when its signature comes a second time: one Int32 per bucket
   * holds the signature last seen there, so lines that never repeat make no entry.
   */
  private readonly seen = new Int32Array(REMEMBERED);
  private readonly caches: boolean;

  constructor(cfg: TemplatesConfig, private readonly hooks: DrainOptions = {}) {
    this.cfg = cfg;
    // Drain3 counts root, token-count layer and leaf in the depth: depth 4 = one prefix token.
    this.maxPrefix = cfg.depth - 3;
    const preset = MASK_PRESETS[cfg.masking];
    if (!preset) throw new Error(`unknown masking preset ${cfg.masking}`);
    this.constants = preset.constants;
    this.caches = hooks.caches ?? true;
    this.tokenize = createTokenizer({ ...preset, rules: [...cfg.maskRules, ...preset.rules], extraDelimiters: [...preset.extraDelimiters, ...cfg.extraDelimiters], memo: this.caches });
  }

  get size(): number { return this.clusters.size; }

  /** Assigns the message to a cluster and returns that cluster's current template. */
  add(message: string): LogTemplate {
    const tokens = this.tokenize.tokens(message);
    const sig = this.tokenize.signature;
    // A message the tokenizer kept carries what the cache found for it last: no look-up by
    // signature, and its tokens are the very array remembered (no compare).
    const kept = this.tokenize.kept;
    const noted = kept?.note as Remembered | undefined;
    const mapped = noted === undefined && this.caches ? this.remembered.get(sig) : undefined;
    const r = noted ?? mapped;
    let found: Cluster | undefined;
    let exact: boolean;
    if (r !== undefined && r.treeEpoch === this.treeEpoch && r.leafEpoch === r.leaf.epoch && (r.tokens === tokens || sameTokens(r.tokens, tokens))) {
      found = r.cluster;
      exact = r.exact;
      if (kept !== undefined) kept.note = r;
    } else {
      found = this.search(tokens);
      exact = this.exact;
      if (found && this.caches) {
        const now = this.remember(sig, noted === undefined ? mapped : this.remembered.get(sig), tokens, kept !== undefined, found, exact);
        if (kept !== undefined) kept.note = now;
      }
    }
    if (found) {
      found.size++;
      this.recency.use(found);
      // Most lines fit their template as it is: nothing to widen, no second pass over the tokens.
      if (!exact && generalise(found.tokens, tokens, found.slots)) {
        found.leaf.epoch++;
        found.template = Object.freeze({ id: found.id, text: found.tokens.join(' ') });
        if (this.cfg.merge) return this.mergeSiblings(found).template;
      }
      return found.template;
    }
    const lru = this.clusters.size >= this.cfg.maxClusters ? this.recency.oldest() : undefined;
    if (lru) this.remove(lru);
    // The tokenizer's array is reused for the next line: a new cluster keeps a copy.
    const created = this.create(tokens.slice(), this.newId(tokens), 1);
    if (!this.cfg.merge) return created.template;
    const merged = this.mergeSiblings(created);
    return (merged === created ? this.mergeVariable(created) : merged).template;
  }

  /**
   * The live id an id handed out earlier now stands for: itself while its cluster lives, the
   * surviving cluster's after a merge, undefined once evicted.
   */
  resolve(id: string): string | undefined {
    return this.clusters.has(id) ? id : this.aliases.get(id);
  }

  /** The current template of the cluster an id stands for (resolve()), undefined once evicted. */
  template(id: string): LogTemplate | undefined {
    const live = this.resolve(id);
    return live === undefined ? undefined : this.clusters.get(live)?.template;
  }

  /** Current template of a message without learning from it. */
  match(message: string): LogTemplate | undefined {
    return this.search(this.tokenize.tokens(message))?.template;
  }

  templates(): TemplateInfo[] {
    return [...this.clusters.values()].map((c) => ({ ...c.template, size: c.size }));
  }

  snapshot(): DrainSnapshot {
    const clusters: DrainSnapshot['clusters'] = [];
    for (const c of this.recency.values()) {
      clusters.push({ id: c.id, tokens: [...c.tokens], size: c.size, path: [...c.path], ...(c.slots.size ? { slots: [...c.slots] } : {}) });
    }
    return { version: 3, clusters, aliases: [...this.aliases].map(([from, to]) => ({ from, to })) };
  }

  restore(s: DrainSnapshot | DrainSnapshotV2): void {
    if (s.version !== 2 && s.version !== 3) throw new Error(`unsupported template snapshot version ${String((s as { version: unknown }).version)}`);
    this.root = [];
    this.clusters = new Map();
    this.aliases = new Map();
    this.recency = new Recency();
    this.remembered = new Map();
    this.treeEpoch++;
    for (const c of s.clusters) {
      let node = this.layer(c.tokens.length);
      for (const key of c.path.slice(1)) {
        let next = node.children.get(key);
        if (!next) { next = newNode(); this.addChild(node, key, next); }
        node = next;
      }
      this.link({ id: c.id, tokens: [...c.tokens], size: c.size, path: [...c.path], leaf: node, merged: [], slots: new Set('slots' in c ? c.slots : []) });
    }
    for (const a of s.version === 3 ? s.aliases : []) {
      const to = this.clusters.get(a.to);
      if (to && !this.clusters.has(a.from)) { this.aliases.set(a.from, a.to); to.merged.push(a.from); }
    }
  }

  private layer(length: number): TreeNode {
    let node = this.root[length];
    if (!node) { node = newNode(); this.root[length] = node; }
    return node;
  }

  private create(tokens: string[], id: string, size: number): Cluster {
    const path = [String(tokens.length)];
    let node = this.layer(tokens.length);
    for (let depth = 0; depth < this.maxPrefix && depth < tokens.length - 1; depth++) {
      const key = this.childKey(node, tokens[depth] as string);
      let next = node.children.get(key);
      if (!next) { next = newNode(); this.addChild(node, key, next); }
      path.push(key);
      node = next;
    }
    return this.link({ id, tokens, size, path, leaf: node, merged: [], slots: new Set() });
  }

  private link(c: Omit<Cluster, 'template' | 'slot' | 'kinds'>): Cluster {
    const kinds = new Uint8Array(c.tokens.length);
    if (this.constants) for (let i = 0; i < kinds.length; i++) kinds[i] = tokenKind(c.tokens[i] as string);
    const cl: Cluster = { ...c, kinds, template: Object.freeze({ id: c.id, text: c.tokens.join(' ') }), slot: -1 };
    this.recency.add(cl);
    this.clusters.set(cl.id, cl);
    cl.leaf.clusters.push(cl);
    cl.leaf.epoch++;
    return cl;
  }

  private remove(c: Cluster): void {
    this.recency.remove(c);
    this.clusters.delete(c.id);
    const i = c.leaf.clusters.indexOf(c);
    if (i >= 0) c.leaf.clusters.splice(i, 1);
    c.leaf.epoch++;
    // Ids merged into an evicted cluster go with it: aliases stay bounded by what lives.
    for (const id of c.merged) this.aliases.delete(id);
  }

  /**
   * Folds into c every sibling in its leaf that c covers (their templates differ only where c
   * has a generalised `<*>`, a slot), or c into a sibling that covers it; the larger survives,
   * with the covering template. Repeats while the survivor's template
   * keeps changing. A masked value's `<*>` takes no literal: `Fan speeds ( <*> … )` and `Fan
   * speeds ( <*> **** … )` are two events (HPC 0.933 -> 0.888 when it did).
   */
  private mergeSiblings(c: Cluster): Cluster {
    let survivor = c;
    for (let again = true; again;) {
      again = false;
      for (const o of survivor.leaf.clusters) {
        if (o === survivor || !compatible(survivor, o)) continue;
        const [keep, gone] = o.size > survivor.size ? [o, survivor] : [survivor, o];
        this.remove(gone);
        keep.size += gone.size;
        for (let i = 0; i < keep.tokens.length; i++) {
          if (keep.tokens[i] !== gone.tokens[i]) keep.slots.add(i);
          else if (gone.slots.has(i)) keep.slots.add(i);
          if (gone.tokens[i] === WILDCARD) keep.tokens[i] = WILDCARD;
        }
        keep.leaf.epoch++;
        keep.template = Object.freeze({ id: keep.id, text: keep.tokens.join(' ') });
        const ids = [...gone.merged, gone.id];
        for (const id of ids) { this.aliases.set(id, keep.id); keep.merged.push(id); }
        this.hooks.merged?.(ids, keep.template);
        this.recency.use(keep);
        survivor = keep;
        again = true;
        break;
      }
    }
    return survivor;
  }

  /**
   * A word that keeps changing where otherwise-matching lines keep it is a value, not part of the
   * event. When a new cluster c has siblings it would have joined but for one position p (another
   * word there that is a hard split: a different tree branch at a prefix token, or a different
   * constant; no other constant differs; the words equal elsewhere, value shapes not counted,
   * reach the similarity threshold), and c and they hold `variableValues` (6) distinct words at
   * p, they become one cluster with `<*>` at p. The largest survives (re-routed to the wildcard
   * branch when p is a prefix token, so later lines with any word there find it) and the others'
   * ids become its aliases. It is Drain's maxChildren (a node with too many children sends new
   * tokens to the wildcard branch) asked of one template instead of a whole tree node:
   * `Loading offline registry hive: SOFTWARE, …` / `SYSTEM,` / `SAM,` / … / `ntuser.dat,`
   * (Windows, one event of 8 hives in 8 lines), `<job>: scheduler_evaluate_activity told me to run
   * this job; …` (Mac). Five values stay apart (Spark's five `mapred.… is deprecated` events).
   * Runs only when a cluster is created: one pass over c's leaf and the sibling branches along
   * its path (at most maxChildren per prefix token).
   */
  private mergeVariable(c: Cluster): Cluster {
    const t = c.tokens;
    const n = t.length;
    const depth = c.path.length - 1;
    const families = new Map<number, Cluster[]>();
    const consider = (o: Cluster, tree: number): void => {
      const p = this.onlyHardSplit(o, t, tree);
      if (p < 0) return;
      const f = families.get(p);
      if (f) f.push(o); else families.set(p, [o]);
    };
    // Siblings kept apart by a constant: in c's own leaf.
    for (const o of c.leaf.clusters) if (o !== c) consider(o, -1);
    // Siblings kept apart by the tree at prefix token d: the same path but another key at d.
    let node = this.root[n];
    for (let d = 0; d < depth && node; d++) {
      const key = c.path[d + 1] as string;
      for (const [k, child] of node.children) {
        if (k === key) continue;
        let leaf: TreeNode | undefined = child;
        for (let e = d + 1; e < depth && leaf; e++) leaf = leaf.children.get(c.path[e + 1] as string);
        if (leaf) for (const o of leaf.clusters) consider(o, d);
      }
      node = node.children.get(key);
    }
    let best = -1;
    let bestValues = 0;
    for (const [p, f] of families) {
      const values = new Set([t[p], ...f.map((o) => o.tokens[p])]).size;
      if (values >= this.cfg.variableValues && values > bestValues) { best = p; bestValues = values; }
    }
    if (best < 0) return c;
    const family = families.get(best) as Cluster[];
    const all = [...family, c];
    // The largest survives; on a tie the one found first (older leaves first), not the newcomer.
    let keep = family[0] as Cluster;
    for (const o of all) if (o.size > keep.size) keep = o;
    const p = best;
    const folded: string[] = [];
    for (const gone of all) {
      if (gone === keep) continue;
      this.remove(gone);
      this.prune(gone.path);
      keep.size += gone.size;
      for (let i = 0; i < n; i++) {
        if (keep.tokens[i] !== gone.tokens[i]) { keep.tokens[i] = WILDCARD; keep.slots.add(i); }
        else if (gone.slots.has(i)) keep.slots.add(i);
      }
      for (const id of [...gone.merged, gone.id]) { this.aliases.set(id, keep.id); keep.merged.push(id); folded.push(id); }
    }
    keep.tokens[p] = WILDCARD;
    keep.slots.add(p);
    keep.leaf.epoch++;
    if (p < depth) {
      // Re-route the survivor to the wildcard branch at p, where lines with a new word there go.
      const leaf = keep.leaf;
      leaf.clusters.splice(leaf.clusters.indexOf(keep), 1);
      leaf.epoch++;
      this.prune(keep.path);
      const path = [...keep.path];
      path[p + 1] = WILDCARD;
      let at = this.layer(n);
      for (const k of path.slice(1)) {
        let next = at.children.get(k);
        if (!next) { next = newNode(); this.addChild(at, k, next); }
        at = next;
      }
      keep.path = path;
      keep.leaf = at;
      at.clusters.push(keep);
      at.epoch++;
    }
    keep.template = Object.freeze({ id: keep.id, text: keep.tokens.join(' ') });
    this.hooks.merged?.(folded, keep.template);
    this.recency.use(keep);
    return this.mergeSiblings(keep);
  }

  /**
   * The one position at which a line of tokens t would have joined o but for a hard split, or
   * -1: at `tree` (a prefix token that took another branch, -1 for none) or at a single
   * constant that differs, with no other constant differing and the share of equal words
   * elsewhere reaching the similarity threshold. Value shapes are not counted, and bestMatch()'s
   * exact-fit fallback is no evidence here: `halt (command <*>)` and `boot (command <*>)` share
   * one word of three, and six commands are six events (HPC 0.9325 -> 0.862 with either).
   */
  private onlyHardSplit(o: Cluster, t: string[], tree: number): number {
    const x = o.tokens;
    let p = tree;
    let same = 0;
    for (let i = 0; i < x.length; i++) {
      const a = x[i] as string;
      if (i === tree) { if (a === WILDCARD || a === t[i]) return -1; continue; }
      if (a === WILDCARD) continue;
      if (a === t[i]) { if (o.kinds[i] !== VALUE) same++; }
      else if (this.constants && (o.kinds[i] === CONSTANT || isConstant(t[i] as string))) {
        if (p >= 0) return -1;
        p = i;
      }
    }
    if (p < 0) return -1;
    return same / x.length >= this.cfg.similarity ? p : -1;
  }

  /** Drops the nodes of a path, deepest first, that hold no cluster and no child any more. */
  private prune(path: string[]): void {
    const nodes: TreeNode[] = [];
    let node = this.root[Number(path[0])];
    for (let k = 1; node && k < path.length; k++) { nodes.push(node); node = node.children.get(path[k] as string); }
    if (!node) return;
    for (let k = path.length - 1; k >= 1; k--) {
      if (node.clusters.length > 0 || node.children.size > 0) return;
      const parent = nodes[k - 1] as TreeNode;
      this.removeChild(parent, path[k] as string);
      node = parent;
    }
  }

  /**
   * Keeps what search() just found for tokens (signature sig; r what the cache holds for sig),
   * from its second sighting on; returns the entry, if kept. A `stable` token array (the
   * tokenizer's kept message's own, never written to) is kept as it is, any other copied.
   */
  private remember(sig: number, r: Remembered | undefined, tokens: string[], stable: boolean, cluster: Cluster, exact: boolean): Remembered | undefined {
    const leaf = this.reached as TreeNode;
    const own = stable ? tokens : tokens.slice();
    if (r === undefined) {
      const b = sig & (REMEMBERED - 1);
      if (this.seen[b] !== sig) { this.seen[b] = sig; return undefined; }
      if (this.remembered.size >= REMEMBERED) this.remembered.clear();
      const made: Remembered = { tokens: own, cluster, exact, leaf, leafEpoch: leaf.epoch, treeEpoch: this.treeEpoch };
      this.remembered.set(sig, made);
      return made;
    }
    r.tokens = own;
    r.cluster = cluster;
    r.exact = exact;
    r.leaf = leaf;
    r.leafEpoch = leaf.epoch;
    r.treeEpoch = this.treeEpoch;
    return r;
  }

  private addChild(node: TreeNode, key: string, child: TreeNode): void {
    addChild(node, key, child);
    this.treeEpoch++;
  }

  private removeChild(node: TreeNode, key: string): void {
    removeChild(node, key);
    this.treeEpoch++;
  }

  private newId(tokens: string[]): string {
    const base = 't' + createHash('sha1').update(tokens.join(' ')).digest('hex').slice(0, 10);
    // The same first text can start a second cluster once the first one has generalised
    // past the similarity threshold; a suffix keeps the two apart.
    let id = base;
    for (let i = 2; this.clusters.has(id) || this.aliases.has(id); i++) id = `${base}-${i}`;
    return id;
  }

  private search(tokens: string[]): Cluster | undefined {
    let node = this.root[tokens.length];
    if (!node) return undefined;
    for (let depth = 0; depth < this.maxPrefix && depth < tokens.length - 1; depth++) {
      const token = tokens[depth] as string;
      const only: string | undefined = node.onlyKey;
      const next: TreeNode | undefined = only !== undefined
        ? (only === token || only === WILDCARD ? node.onlyChild : undefined)
        : node.children.get(token) ?? node.children.get(WILDCARD);
      if (!next) return undefined;
      node = next;
    }
    this.reached = node;
    return this.bestMatch(node.clusters, tokens);
  }

  /**
   * Drain's choice: the most similar cluster (share of positions where the template's literal
   * token equals the line's; more wildcards win a tie) if it reaches the threshold. Failing
   * that, a template the line fits exactly (every literal equal, anything at wildcards) still
   * takes it: a line that is mostly numbers fits its own cluster's `<*>`s but shares few
   * literals with it, and would otherwise start a new cluster every time it is seen (the
   * number-heavy cliff). Counting masks as matches at wildcards instead also fixes the cliff
   * but cost grouping accuracy on the LogHub 2k sets (HPC 0.926 → 0.887, Mac 0.749 → 0.734,
   * OpenStack 0.849 → 0.807 with the default preset).
   *
   * With the `foresight` preset a cluster whose template has a different constant (isConstant)
   * where the line has one is no candidate at all: `Transitioned from NEW to INITED` and `… from
   * INITED to SETUP`, `[HRESULT = <*> - CBS_E_MANIFEST_INVALID_ITEM]` and `… CBS_E_INVALID_PACKAGE]`
   * are different events however many other tokens they share. And a token that is values and
   * punctuation only (isValueShape: `<*>@<*>/<*>/<*>:<*>:<*>:<*>`, `<*>)`) counts as a wildcard,
   * not as a shared word: two lines with a timestamp of the same shape share no word by it, so
   * `<ts> PopulateComponentFamiliesKey - Begin` and `… - End` are 2 shared words of 4, not 3.
   * Two different value shapes are two values: `<*>,<*> "GET …` (two IPs) fits `<*> "GET …`
   * and the other way round, whichever came first. Two words that differ only in their digits
   * (sameButDigits: `…Brcm43xx…` and `…Brcm4360xx…`) count as a value too, without widening
   * the template.
   */
  private bestMatch(candidates: Cluster[], tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    let bestSame = -1;
    let fit: Cluster | undefined;
    let fitSame = -1;
    for (const c of candidates) {
      const t = c.tokens;
      let same = 0;
      let params = 0;
      let clash = false;
      for (let i = 0; i < t.length; i++) {
        const x = t[i] as string;
        if (x === WILDCARD) params++;
        else if (x === tokens[i]) { if (c.kinds[i] === VALUE) params++; else same++; }
        else if (this.constants && (c.kinds[i] === CONSTANT || isConstant(tokens[i] as string))) { clash = true; break; }
        else if (c.kinds[i] === VALUE && isValueShape(tokens[i] as string)) params++;
        else if (this.constants && sameButDigits(x, tokens[i] as string)) params++;
      }
      if (clash) continue;
      const sim = t.length === 0 ? 1 : same / t.length;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c; bestSim = sim; bestParams = params; bestSame = same;
      }
      if (same + params === t.length && same > fitSame) { fit = c; fitSame = same; }
    }
    if (best && bestSim >= this.cfg.similarity) {
      this.exact = bestSame + bestParams === best.tokens.length;
      return best;
    }
    this.exact = true;
    return fit;
  }

  /**
   * Drain's rule for growing the tree: numeric tokens and overflow go to the wildcard branch, and
   * with the `foresight` preset so do value shapes (isValueShape): a line whose first token is
   * `<*>` goes to the wildcard branch, and one that starts `<*>,<*>` made a branch of its own when
   * it came first (OpenStack's `<ip>,<ip> "GET …` / `<ip> "GET …`: 0.513 instead of 0.9785 in 3 of
   * 10 random line orders).
   */
  private childKey(node: TreeNode, token: string): string {
    if (node.children.has(token)) return token;
    if (hasDigit(token) || (this.constants && isValueShape(token))) return WILDCARD;
    const max = this.cfg.maxChildren;
    if (node.children.has(WILDCARD)) return node.children.size < max ? token : WILDCARD;
    return node.children.size + 1 < max ? token : WILDCARD;
  }
}

/**
 * An upper-case word of 3 or more characters (letters and `_`, one trailing `.,:;` allowed):
 * in logs these are enum values, states and error codes, i.e. part of the event. Two-letter
 * words are not (`KB`, `MB` are units beside a value: counting them cost Spark 1.000 -> 0.925).
 * Measured with the default configuration (README, leave-one-set-out): Windows 0.689 -> 0.994,
 * Mac 0.784 -> 0.801, Hadoop 0.953 -> 0.956, no set lower.
 */
const upper = (c: number): boolean => c >= 65 && c <= 90;

/** Token kinds of Cluster.kinds. */
const CONSTANT = 1;
const VALUE = 2;

const tokenKind = (t: string): number => (isConstant(t) ? CONSTANT : isValueShape(t) ? VALUE : 0);

export function isConstant(t: string): boolean {
  // Most tokens fail here: this runs for every literal a candidate template does not share.
  if (!upper(t.charCodeAt(0))) return false;
  let n = t.length;
  const last = t.charCodeAt(n - 1);
  if (last === 46 || last === 44 || last === 58 || last === 59) n--;
  if (n < 3 || !upper(t.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = t.charCodeAt(i);
    if (!upper(c) && c !== 95) return false;
  }
  return true;
}

/**
 * A token that holds a masked value and no letter besides (`<*>,`, `(<*>`, `<*>%`, a timestamp's
 * `<*>@<*>/<*>/<*>:<*>:<*>:<*>`): the shape of a value, not a word of the event. A letter makes
 * it a word again (`blk_<*>`, `core.<*>`, `<*>ms`). Measured with the default configuration
 * (`foresight eval loghub`, README): Mac 0.801 -> 0.8365, Windows 0.9925 -> 0.9935, the other six
 * sets unchanged.
 */
export function isValueShape(t: string): boolean {
  let value = false;
  for (let i = 0; i < t.length; i++) {
    if (t.startsWith(WILDCARD, i)) { value = true; i += WILDCARD.length - 1; continue; }
    const c = t.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) return false;
  }
  return value;
}

/**
 * Whether two tokens differ only in their runs of digits (a run of any length for a run), both
 * holding one: `AirPort_Brcm43xx::syncPowerState:` and `…Brcm4360xx…`, `worker-3` and
 * `worker-12`. With the `foresight` preset bestMatch() counts such a pair as a value, like two
 * value shapes: the digits inside a word are an instance (a driver, a worker, a register), not
 * another event. Without it, every new number inside a word made a new cluster wherever the
 * rest of the line was too short to carry the similarity (4-token Mac lines: 2 shared words of
 * 4): on the LogHub lines with re-drawn digits (bench/templates-loghub.ts `varied`) the clusters
 * grew from 830 to 1,601 over 26 passes, Mac alone 403 -> 846 over 13; with it they stay at
 * the first pass's count (Mac 333 on every pass). Grouping and parsing accuracy on the eight
 * development sets are unchanged (`foresight eval loghub`), so this is evidence from the
 * stream, not from the sets.
 */
export function sameButDigits(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let digits = false;
  while (i < a.length && j < b.length) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    const dx = x >= 48 && x <= 57;
    const dy = y >= 48 && y <= 57;
    if (dx && dy) {
      digits = true;
      while (i < a.length && a.charCodeAt(i) >= 48 && a.charCodeAt(i) <= 57) i++;
      while (j < b.length && b.charCodeAt(j) >= 48 && b.charCodeAt(j) <= 57) j++;
      continue;
    }
    if (dx || dy || x !== y) return false;
    i++;
    j++;
  }
  return digits && i === a.length && j === b.length;
}

function newNode(): TreeNode {
  return { children: new Map(), onlyKey: undefined, onlyChild: undefined, clusters: [], epoch: 0 };
}

function removeChild(node: TreeNode, key: string): void {
  node.children.delete(key);
  const only = node.children.size === 1 ? node.children.entries().next().value : undefined;
  node.onlyKey = only?.[0];
  node.onlyChild = only?.[1];
}

function addChild(node: TreeNode, key: string, child: TreeNode): void {
  node.children.set(key, child);
  const one = node.children.size === 1;
  node.onlyKey = one ? key : undefined;
  node.onlyChild = one ? child : undefined;
}

/**
 * Whether one of two clusters of a leaf covers the other: they differ only at positions where
 * that one has a slot. Both-ways differences are no merge: `<*> <*> hashes` and `BTLE scanning
 * <*>` (Mac) would make `<*> <*> <*>`.
 */
function compatible(a: Cluster, b: Cluster): boolean {
  return covers(a, b) || covers(b, a);
}

function covers(a: Cluster, b: Cluster): boolean {
  const x = a.tokens;
  const y = b.tokens;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(x[i] === WILDCARD && a.slots.has(i))) return false;
  return true;
}

function sameTokens(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Widens the template in place where the line differs; whether anything changed. */
function generalise(template: string[], tokens: string[], slots: Set<number>): boolean {
  let changed = false;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== WILDCARD && template[i] !== tokens[i]) {
      template[i] = WILDCARD;
      slots.add(i);
      changed = true;
    }
  }
  return changed;
}
