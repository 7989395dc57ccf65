import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templatesSchema, type TemplatesConfig } from '../../../ingest/config.ts';
import { DrainMiner } from '../../../ingest/templates/drain.ts';
import { createTokenizer, maskMessage } from '../../../ingest/templates/mask.ts';
import { MASK_PRESETS } from '../../../ingest/templates/presets.ts';
import { hashString, TokenTable } from '../../../ingest/templates/intern.ts';

// The miner's caches (the tokenizer's memos of words, values and whole messages; the line cache
// from a token list to its cluster) must give exactly the answers of a miner without them.

/** A seeded stream: events with words, values, digits inside words, repeats and near-misses. */
function stream(n: number, seed: number): string[] {
  let x = seed;
  const rnd = (k: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % k; };
  const words = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'];
  const w = (): string => words[rnd(words.length)] as string;
  const events: Array<() => string> = [
    () => `Connected to db ${w()} in ${rnd(90)} ms`,
    () => `Session closed for ${w()}`,
    () => `user u${rnd(40)} logged in from 10.0.${rnd(4)}.${rnd(255)}:${1000 + rnd(9000)}`,
    () => `Fan speeds ( ${rnd(5000)} ${rnd(5000)} ${rnd(5000)} ${rnd(5000)} )`,
    () => `load hive ${['SYSTEM', 'Users', 'Default', 'SAM', 'SECURITY', 'HARDWARE', 'BCD'][rnd(7)]} into key ${rnd(9)}`,
    () => `Task Transitioned from ${['NEW', 'INITED', 'SETUP', 'RUNNING'][rnd(4)]} to ${['SCHEDULED', 'RUNNING', 'DONE'][rnd(3)]}`,
    () => `GET /v2/${rnd(3) === 0 ? 'servers' : `tenant${rnd(50)}`}/detail HTTP/1.1 status: ${200 + rnd(3)} len: ${rnd(4000)}`,
    () => `${w()} ${w()} ${w()}`,
    () => `NAT${rnd(99)} port ${w()} blk_${rnd(1e6)} ${rnd(2) ? 'ok' : 'failed'}`,
    () => `${rnd(3)}x ${w()} baz`,
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    // A third of the lines repeat a recent line word for word.
    out.push(out.length > 0 && rnd(3) === 0 ? out[out.length - 1 - rnd(Math.min(out.length, 200))] as string : (events[rnd(events.length)] as () => string)());
  }
  return out;
}

/** Every answer a miner gives on the lines, its templates and snapshot, as one string per step. */
function answers(cfg: TemplatesConfig, lines: readonly string[], caches: boolean): string[] {
  const m = new DrainMiner(cfg, { caches });
  const out: string[] = [];
  const half = Math.floor(lines.length / 2);
  let miner = m;
  for (let i = 0; i < lines.length; i++) {
    if (i === half) {
      // Restore into a fresh miner halfway: what it remembered must not outlive the restore.
      const copy = new DrainMiner(cfg, { caches });
      copy.restore(miner.snapshot());
      miner = copy;
    }
    const t = miner.add(lines[i] as string);
    out.push(`${t.id} ${t.text}`);
  }
  out.push(JSON.stringify(miner.templates()), JSON.stringify(miner.snapshot()));
  return out;
}

test('caches on and off give the same answers: generalising, merges, variable slots, evictions, restore', () => {
  const configs: Array<[string, TemplatesConfig]> = [
    ['default', templatesSchema.parse({})],
    ['no-merge', templatesSchema.parse({ merge: false })],
    ['evicting', templatesSchema.parse({ maxClusters: 8 })],
    ['shallow', templatesSchema.parse({ depth: 4, similarity: 0.5, maxChildren: 3 })],
  ];
  for (const seed of [1, 2, 3]) {
    const lines = stream(4000, seed);
    for (const [name, cfg] of configs) {
      const off = answers(cfg, lines, false);
      const on = answers(cfg, lines, true);
      for (let i = 0; i < off.length; i++) assert.equal(on[i], off[i], `${name} seed ${seed} step ${i}: ${lines[i] ?? '(end)'}`);
    }
  }
});

test('a remembered line takes the new way down the tree once a branch for its word appears', () => {
  for (const caches of [false, true]) {
    const m = new DrainMiner(templatesSchema.parse({}), { caches });
    const a = m.add('7x bar baz'); // first token holds a digit: the wildcard branch
    m.add('foo bar baz'); // joins it there: `<*> bar baz`
    const again = m.add('foo bar baz'); // remembered from here on
    assert.equal(again.id, a.id);
    m.add('foo qux quux'); // no match under `<*>`: makes the branch `foo`
    const now = m.add('foo bar baz'); // goes down `foo` now, where nothing fits it
    assert.notEqual(now.id, a.id, `caches ${caches}`);
    assert.equal(now.text, 'foo bar baz');
  }
});

test('a remembered line does not return an evicted cluster', () => {
  const m = new DrainMiner(templatesSchema.parse({ maxClusters: 1 }));
  const a = m.add('alpha beta gamma');
  assert.equal(m.add('alpha beta gamma').id, a.id);
  m.add('one two three four'); // evicts the first
  const b = m.add('alpha beta gamma');
  assert.equal(b.text, 'alpha beta gamma');
  assert.equal(m.size, 1);
  assert.deepEqual(m.templates().map((t) => t.text), ['alpha beta gamma']);
});

test('the tokenizer with memos returns what it returns without, and equal token lists have equal signatures', () => {
  const preset = MASK_PRESETS.foresight;
  assert.ok(preset);
  const memo = createTokenizer({ ...preset, rules: [...preset.rules] });
  const plain = createTokenizer({ ...preset, rules: [...preset.rules], memo: false });
  const bySignature = new Map<number, string>();
  for (const line of [...stream(3000, 7), ...stream(3000, 7)]) {
    const a = [...memo.tokens(line)];
    const b = [...plain.tokens(line)];
    assert.deepEqual(a, b, line);
    assert.equal(memo.signature, plain.signature, line);
    const key = a.join('\u0000');
    const seen = bySignature.get(memo.signature);
    if (seen === undefined) bySignature.set(memo.signature, key);
    // A collision is allowed (the miner compares the tokens); on this stream there is none.
    else assert.equal(seen, key, line);
  }
});

test('token table: keeps on second sight, finds by text, grows, forgets when full, never keeps with 0 slots', () => {
  const codesOf = (s: string): Uint16Array => Uint16Array.from(s, (c) => c.charCodeAt(0));
  const put = (t: TokenTable, s: string): boolean => {
    const c = codesOf(s);
    const h = hashString(s);
    if (t.get(c, 0, c.length, h) !== undefined) return true;
    if (t.admit(h, c.length)) t.set(c, 0, c.length, h, s.toUpperCase(), hashString(s.toUpperCase()));
    return false;
  };
  const find = (t: TokenTable, s: string): string | undefined => { const c = codesOf(s); return t.get(c, 0, c.length, hashString(s)); };

  const door = new TokenTable(1 << 14, 1 << 16, true);
  assert.equal(put(door, 'once'), false);
  assert.equal(find(door, 'once'), undefined); // first sight: not kept
  put(door, 'once');
  assert.equal(find(door, 'once'), 'ONCE'); // second sight: kept
  assert.equal(door.hit, hashString('ONCE'));

  // Grows from 4,096 slots to 16,384 and keeps everything below half of that; then forgets.
  const t = new TokenTable(1 << 14, 1 << 20);
  for (let i = 0; i < 8000; i++) put(t, `w${i}`);
  assert.equal(t.size, 8000);
  for (let i = 0; i < 8000; i += 397) assert.equal(find(t, `w${i}`), `W${i}`);
  assert.equal(find(t, 'w8000'), undefined);
  for (let i = 8000; i < 8300; i++) put(t, `w${i}`);
  assert.ok(t.size < 8300 && t.size > 0, `forgot and refilled: ${t.size}`);
  assert.equal(find(t, 'w8299'), 'W8299');

  // Same hash, other text: no false hit (the text is compared).
  const c = codesOf('abc');
  const h = hashString('abc');
  t.set(c, 0, 3, h, 'ABC', 0);
  assert.equal(t.get(codesOf('abd'), 0, 3, h), undefined);

  const none = new TokenTable(0);
  assert.equal(put(none, 'x'), false);
  assert.equal(put(none, 'x'), false);
  assert.equal(none.size, 0);
});

test('without Buffer.prototype.ucs2Write (not a documented API) the tokenizer falls back to write() with the same tokens', () => {
  // Node's write() calls ucs2Write itself: it is hidden only while the module loads (which is
  // when the tokenizer looks for it).
  const mask = new URL('../../../ingest/templates/mask.ts', import.meta.url).href;
  const line = 'GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1 from 10.0.0.1:8080 é ünïcode';
  const script = [
    'const own = Buffer.prototype.ucs2Write; let calls = 0;',
    'Buffer.prototype.ucs2Write = undefined;',
    `const { maskMessage } = await import(${JSON.stringify(mask)});`,
    'Buffer.prototype.ucs2Write = function (...a) { calls++; return own.apply(this, a); };',
    `const out = maskMessage(${JSON.stringify(line)});`,
    'process.stdout.write(JSON.stringify([calls > 0, out]));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  // calls > 0: the tokenizer went through write() (which calls the restored ucs2Write).
  assert.deepEqual(JSON.parse(out), [true, maskMessage(line)]);
});
