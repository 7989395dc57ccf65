import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templatesSchema } from '../../../ingest/config.ts';
import { DrainMiner, isConstant, isValueShape, sameButDigits } from '../../../ingest/templates/drain.ts';
import { Recency } from '../../../ingest/templates/recency.ts';
import { BUILTIN_PATTERN, maskMessage, maskPath, maskToken } from '../../../ingest/templates/mask.ts';
import { groupingAccuracy, parseCsv, parsingAccuracy, readStructured } from '../../../ingest/templates/loghub.ts';

const cfg = templatesSchema.parse({});

test('masking of numbers, hex, uuids, ips and long ids', () => {
  // A path or URL holding a value is one variable (OpenStack 0.481 -> 0.979).
  assert.equal(maskMessage('GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1 from http://h:8080/x to /10.0.0.1:50010,'), 'GET <*> <*> from <*> to /<*>,');
  assert.equal(maskMessage('GET /v2/servers/detail'), 'GET /v2/servers/detail');
  // A host name holding a value is one variable (Hadoop 0.956 -> 0.976); a function's line number is no host.
  assert.equal(maskMessage('Resolved MSRA-SA-41.fareast.corp.microsoft.com to /default-rack'), 'Resolved <*> to /default-rack');
  assert.equal(maskMessage('block_invoke.434 error 22 at v1.2 instruction......0'), 'block_invoke.<*> error <*> at v1.<*> instruction......<*>');
  assert.equal(maskMessage('68agD(-0._6.( node-7.rack.dc1, at'), '68agD(<*>._<*>.( <*> at');
  assert.equal(
    maskMessage('req 42 from 10.0.0.7:8080 id 3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6 ptr 0xDEADbeef sha 9fa3b2c1d4 took -1.5 s v2 blk_-123'),
    'req <*> from <*> id <*> ptr <*> sha <*> took <*> s v2 blk_<*>',
  );
  assert.equal(maskMessage('deadline exceeded for user42'), 'deadline exceeded for user42');
});

test('literal lines give exact templates; ids stay put as templates generalise', () => {
  // Drain's mechanics at depth 5 / similarity 0.5 (the defaults were 8 / 0.6 measured since).
  const m = new DrainMiner(templatesSchema.parse({ depth: 5, similarity: 0.5 }));
  const a = m.add('Connected to db primary in 12 ms');
  assert.deepEqual(a, { id: a.id, text: 'Connected to db primary in <*> ms' });
  const b = m.add('Connected to db replica in 30 ms');
  assert.deepEqual(b, { id: a.id, text: 'Connected to db <*> in <*> ms' });
  const c = m.add('Session closed for alice');
  assert.notEqual(c.id, a.id);
  assert.equal(c.text, 'Session closed for alice');
  assert.deepEqual(m.add('Session closed for bob'), { id: c.id, text: 'Session closed for <*>' });
  // Different token count, different cluster.
  assert.equal(m.add('Session closed for bob again').text, 'Session closed for bob again');
  // Same leaf, 2 of 4 tokens equal meets the 0.5 threshold: the cluster generalises again.
  assert.deepEqual(m.add('Session closed by admin'), { id: c.id, text: 'Session closed <*> <*>' });
  // 4 tokens, but a different second prefix token: another leaf, another cluster.
  const d = m.add('Session expired for carol');
  assert.notEqual(d.id, c.id);
  assert.equal(d.text, 'Session expired for carol');
  assert.equal(m.size, 4);
  assert.deepEqual(m.templates().map((t) => [t.text, t.size]), [
    ['Connected to db <*> in <*> ms', 2], ['Session closed <*> <*>', 3], ['Session closed for bob again', 1], ['Session expired for carol', 1],
  ]);
  assert.equal(m.match('Session closed for dave')?.id, c.id);
  assert.equal(m.size, 4);
});

test('ids are deterministic across runs (hash of the first template)', () => {
  const lines = ['GET /a 200', 'GET /b 404', 'worker 3 started', 'worker 9 started'];
  const ids1 = lines.map((l) => new DrainMiner(cfg).add(l).id);
  const m = new DrainMiner(cfg);
  const ids2 = lines.map((l) => m.add(l).id);
  assert.equal(ids1[0], ids2[0]);
  assert.equal(ids2[2], ids2[3]);
  assert.match(ids2[0] as string, /^t[0-9a-f]{10}$/);
});

test('snapshot and restore continue exactly where they left off', () => {
  const m = new DrainMiner(cfg);
  for (const l of ['disk sda1 at 91%', 'disk sdb2 at 95%', 'cache miss key=7']) m.add(l);
  const snap = JSON.parse(JSON.stringify(m.snapshot()));
  const r = new DrainMiner(cfg);
  r.restore(snap);
  assert.deepEqual(r.templates(), m.templates());
  assert.deepEqual(r.add('disk sdc3 at 99%'), m.add('disk sdc3 at 99%'));
  assert.deepEqual(r.snapshot(), m.snapshot());
});

test('maxClusters forgets the least recently matched cluster', () => {
  const m = new DrainMiner({ ...cfg, maxClusters: 2 });
  const a = m.add('alpha one');
  m.add('beta two three');
  m.add('alpha one'); // a is now the most recent
  m.add('gamma four five six');
  assert.deepEqual(m.templates().map((t) => t.text).sort(), ['alpha one', 'gamma four five six']);
  assert.equal(m.match('alpha one')?.id, a.id);
  assert.equal(m.match('beta two three'), undefined);
});

test('grouping accuracy', () => {
  assert.equal(groupingAccuracy(['a', 'a', 'b', 'c'], ['x', 'x', 'y', 'y']), 0.5);
  assert.equal(groupingAccuracy(['a', 'a', 'b'], ['x', 'y', 'z']), 1 / 3);
  assert.equal(groupingAccuracy(['p', 'q'], ['x', 'y']), 1);
});

test('CSV parsing of quoted fields', () => {
  assert.deepEqual(parseCsv('a,b\n"x, ""y""",2\r\n'), [['a', 'b'], ['x, "y"', '2']]);
  assert.deepEqual(readStructured('LineId,Content,EventId\n1,"hi, there",E1\n'), { contents: ['hi, there'], eventIds: ['E1'] });
});

test('parsing accuracy compares normalised template text', () => {
  assert.equal(parsingAccuracy(['a <:NUM:> b', 'x <*><*> y', 'p q'], ['a <*> b', 'x <*> y', 'p  <*>']), 2 / 3);
});

test('number-heavy lines match their own cluster: a line that fits a template joins it below the threshold', () => {
  const m = new DrainMiner(cfg);
  const a = m.add('Fan speeds ( 3552 3534 3375 4354 3515 3479 )');
  const b = m.add('Fan speeds ( 3552 3534 3375 4354 3515 3480 )');
  assert.equal(b.id, a.id);
  assert.equal(b.text, 'Fan speeds ( <*> <*> <*> <*> <*> <*> )');
  assert.equal(m.size, 1);
});

test('the cluster count stops growing on repeated input', () => {
  const m = new DrainMiner(cfg);
  const lines = [
    'Connected to db primary in 12 ms', 'Connected to db replica in 30 ms', 'Session closed for alice',
    'Session closed for bob', 'Session closed by admin', 'Fan speeds ( 1 2 3 4 )', 'user jo logged in from 10.1.2.3',
  ];
  for (const l of lines) m.add(l);
  const after = m.size;
  const texts = m.templates().map((t) => t.text);
  for (let pass = 0; pass < 3; pass++) for (const l of lines) m.add(l);
  assert.equal(m.size, after);
  assert.deepEqual(m.templates().map((t) => t.text), texts);
});

test('upper-case constants are never generalised: different states are different events', () => {
  const m = new DrainMiner(cfg);
  const a = m.add('task_1 Task Transitioned from NEW to SCHEDULED');
  const b = m.add('task_2 Task Transitioned from SCHEDULED to RUNNING');
  const c = m.add('task_3 Task Transitioned from NEW to SCHEDULED');
  assert.notEqual(b.id, a.id);
  assert.equal(c.id, a.id);
  assert.equal(c.text, 'task_<*> Task Transitioned from NEW to SCHEDULED');
  // Words that are not constants still generalise; two-letter units are not constants.
  const d = m.add('Block broadcast_1 stored as values in memory (estimated size 16.0 KB, free 1.0 MB)');
  assert.equal(m.add('Block broadcast_2 stored as values in memory (estimated size 16.0 MB, free 1.0 GB)').id, d.id);
  assert.equal(isConstant('CBS_E_INVALID_PACKAGE]'), false);
  assert.deepEqual(['FAILED', 'SPP.', 'JOB_SETUP', 'KB', 'Ok', 'A_'].map(isConstant), [true, true, true, false, false, false]);
});

test('a token of values and punctuation only is no shared word: a timestamp does not make two events one', () => {
  const m = new DrainMiner(cfg);
  const begin = m.add('00000008@2016/9/28:16:00:46.635 PopulateComponentFamiliesKey - Begin');
  // 2 shared words of 4 (0.5 < 0.6); counting the timestamp's shape it was 3 of 4 and one event.
  const end = m.add('00000009@2016/9/28:16:01:03.072 PopulateComponentFamiliesKey - End');
  assert.notEqual(end.id, begin.id);
  assert.equal(end.text, '<*>@<*>/<*>/<*>:<*>:<*>:<*> PopulateComponentFamiliesKey - End');
  assert.deepEqual(m.add('0000000a@2016/9/28:16:02:00.001 PopulateComponentFamiliesKey - Begin'), begin);
  // A word with a value in it is still a word: 3 shared of 4.
  const blk = m.add('Deleting blk_1 file a');
  assert.deepEqual(m.add('Deleting blk_2 file b'), { id: blk.id, text: 'Deleting blk_<*> file <*>' });
  assert.deepEqual(['<*>,', '(<*>', '<*>)', '<*>@<*>/<*>', '<*>', 'blk_<*>', 'core.<*>', '<*>ms', 'a,', '-'].map(isValueShape),
    [true, true, true, true, true, false, false, false, false, false]);
});

test('two value shapes are two values, whichever line comes first (tree branch and similarity)', () => {
  const two = '10.0.0.1,10.0.0.2 "GET /v2/servers HTTP/1.1" status: 200 len: 5 time: 0.1';
  const one = '10.0.0.3 "GET /v2/servers HTTP/1.1" status: 404 len: 7 time: 0.2';
  for (const [first, second] of [[two, one], [one, two]] as const) {
    const m = new DrainMiner(cfg);
    const a = m.add(first);
    assert.equal(m.add(second).id, a.id);
    assert.equal(m.size, 1);
  }
});

test('variable slot: a word that takes variableValues (6) distinct values where otherwise-matching lines agree is a value', () => {
  const m = new DrainMiner(cfg);
  const hive = (h: string, n: number): string => `Loading offline registry hive: ${h}, into registry key ${n} from path C:\\config\\${h}.`;
  // Upper-case words are constants, and the hive is the tree's fifth prefix token: five clusters.
  const first = ['SOFTWARE', 'SYSTEM', 'SECURITY', 'SAM', 'COMPONENTS'].map((h, i) => m.add(hive(h, i)));
  assert.equal(new Set(first.map((t) => t.id)).size, 5);
  // The sixth distinct word makes the position a variable: one cluster, the first id survives.
  const merged = m.add(hive('DEFAULT', 5));
  assert.deepEqual(merged, { id: first[0]!.id, text: 'Loading offline registry hive: <*> into registry key <*> from path <*>' });
  assert.equal(m.size, 1);
  for (const t of first) assert.equal(m.resolve(t.id), merged.id);
  // Later lines join it, seen words and new ones, lower-case or not.
  assert.equal(m.add(hive('ntuser.dat', 6)).id, merged.id);
  assert.equal(m.add(hive('SAM', 7)).id, merged.id);
  assert.deepEqual(m.templates().map((t) => t.size), [8]);
  // The merge survives snapshot and restore.
  const r = new DrainMiner(cfg);
  r.restore(JSON.parse(JSON.stringify(m.snapshot())));
  assert.equal(r.add(hive('schema.dat', 8)).id, merged.id);
  assert.equal(r.resolve(first[3]!.id), merged.id);
});

test('variable slot: fewer values, or lines that share only value shapes, stay apart', () => {
  const m = new DrainMiner(cfg);
  // Five values (Spark's deprecated keys are five events): below variableValues.
  const keys = ['mapred.task.id', 'mapred.task.is.map', 'mapred.task.partition', 'mapred.tip.id', 'mapred.job.id'];
  const deprecated = keys.map((k) => m.add(`${k} is deprecated. Instead, use mapreduce.${k.slice(7)}`));
  assert.equal(new Set(deprecated.map((t) => t.id)).size, 5);
  // Six commands, but `halt (command 1)` and `boot (command 2)` share only `(command` and the
  // value shape `<*>)`: 1 shared word of 3 is no evidence that they are one event (HPC).
  const commands = ['halt', 'boot', 'wait', 'risBoot', 'clusterAddMember', 'bootGenvmunix'].map((c, i) => m.add(`${c} (command ${i})`));
  assert.equal(new Set(commands.map((t) => t.id)).size, 6);
  // Merge off (the Drain3 presets' setting): no variable slots either.
  const off = new DrainMiner({ ...cfg, merge: false });
  const ids = ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT', 'GOLF'].map((w) => off.add(`Loading offline registry hive: ${w}, into registry key 1 from path x`).id);
  assert.equal(new Set(ids).size, 7);
});

test('the hand-written token masker matches exactly what BUILTIN_PATTERN matches', () => {
  const alphabet = '0123456789abcdefxABCDEFX.:-+_/,()gz';
  let seed = 7;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const tokens = ['10.0.0.7:8080', '10.0.0.7:123456', '1.2.3.4.5', '0xDEADbeef', '0xg', '3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6', 'blk_-123', '-1.5', '1.5x', 'a-12', '(-12)', 'msra-sa-41:', 'ABCDEF1234', 'x1234567890', '1.2.3.4:5.'];
  for (let i = 0; i < 20_000; i++) {
    let s = '';
    for (let j = 1 + rand(30); j > 0; j--) s += alphabet[rand(alphabet.length)];
    if (/\d/.test(s)) tokens.push(s);
  }
  for (const t of tokens) assert.equal(maskToken(t), t.replace(BUILTIN_PATTERN, '<*>'), t);
});

test('the tokenizer masks each token of a line as BUILTIN_PATTERN does (its digits-only shortcut included)', () => {
  // No `/`: a path holding a value is one variable as a whole (maskPath), tested above.
  const alphabet = '0123456789abcdefxABCDEFX.:-+_,()gz';
  const spaces = [' ', '  ', '\t', ' \n '];
  let seed = 11;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let i = 0; i < 5_000; i++) {
    const tokens: string[] = [];
    for (let j = 1 + rand(6); j > 0; j--) {
      let t = '';
      const digitsOnly = rand(3) === 0;
      for (let l = 1 + rand(14); l > 0; l--) t += digitsOnly ? String(rand(10)) : alphabet[rand(alphabet.length)];
      tokens.push(t);
    }
    let line = rand(2) === 0 ? '' : ' ';
    tokens.forEach((t, j) => { line += (j > 0 ? spaces[rand(spaces.length)] : '') + t; });
    // Host names holding a value (3+ dot-separated labels) are one variable as a whole: maskPath.
    assert.equal(maskMessage(line), tokens.map((t) => maskPath(t, 0, t.length, t.replace(BUILTIN_PATTERN, '<*>'))).join(' '), line);
  }
});

test('the tokenizer applies the path and host rule as maskPath does on the masked token (decided in its one pass)', () => {
  // `/`, `.` and letters make paths and host names; `<`, `*`, `>` spell `<*>` inside a token.
  const alphabet = '0123456789abcfxAF./.-_,:;)<*>gzq';
  let seed = 7;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let i = 0; i < 20_000; i++) {
    let t = '';
    for (let l = 1 + rand(16); l > 0; l--) t += rand(4) === 0 ? '.' : rand(16) === 0 ? '<*>' : alphabet[rand(alphabet.length)];
    if (!/\d/.test(t)) t += String(rand(10));
    assert.equal(maskMessage(t), maskPath(t, 0, t.length, t.replace(BUILTIN_PATTERN, '<*>')), t);
  }
  assert.equal(maskMessage('/a<*>9'), '<*>');
  assert.equal(maskMessage('node-7.rack.dc1,'), '<*>');
  assert.equal(maskMessage('..x.y.7'), '..x.y.<*>');
  assert.equal(maskMessage('a.b<*>.7'), '<*>');
});

test('merge: a cluster kept apart by its constant folds into a sibling that generalised over that word; its id resolves to the survivor', () => {
  const m = new DrainMiner(templatesSchema.parse({ depth: 4, similarity: 0.6 }));
  const s = m.add('load hive SYSTEM into key 1');
  const u = m.add('load hive Users into key 2');
  assert.notEqual(u.id, s.id); // SYSTEM is a constant: no join
  assert.equal(m.size, 2);
  // `Default` generalises Users' cluster to `load hive <*> into key <*>`, which now covers SYSTEM's.
  const d = m.add('load hive Default into key 3');
  assert.deepEqual(d, { id: u.id, text: 'load hive <*> into key <*>' });
  assert.equal(m.size, 1);
  assert.equal(m.resolve(s.id), u.id);
  assert.equal(m.resolve(u.id), u.id);
  assert.deepEqual(m.templates(), [{ id: u.id, text: 'load hive <*> into key <*>', size: 3 }]);
  assert.equal(m.add('load hive SYSTEM into key 4').id, u.id);
  assert.equal(m.resolve('t0000000000'), undefined);
});

test('merge: a masked value takes no literal, and merge off keeps Drain3 behaviour', () => {
  const m = new DrainMiner(cfg);
  const a = m.add('Fan speeds ( 3552 3534 **** 4354 )');
  const b = m.add('Fan speeds ( 3552 3534 3375 4354 )');
  assert.notEqual(b.id, a.id);
  assert.equal(m.size, 2);
  assert.equal(m.resolve(a.id), a.id);
  const off = new DrainMiner(templatesSchema.parse({ depth: 4, similarity: 0.6, merge: false }));
  for (const l of ['load hive SYSTEM into key 1', 'load hive Users into key 2', 'load hive Default into key 3']) off.add(l);
  assert.equal(off.size, 2);
});

test('merge: aliases survive snapshot and restore (and a version-2 snapshot still restores); eviction drops them', () => {
  const m = new DrainMiner(templatesSchema.parse({ depth: 4, similarity: 0.6 }));
  const s = m.add('load hive SYSTEM into key 1');
  const u = m.add('load hive Users into key 2');
  m.add('load hive Default into key 3');
  const snap = JSON.parse(JSON.stringify(m.snapshot()));
  assert.deepEqual(snap.aliases, [{ from: s.id, to: u.id }]);
  const r = new DrainMiner(templatesSchema.parse({ depth: 4, similarity: 0.6 }));
  r.restore(snap);
  assert.equal(r.resolve(s.id), u.id);
  assert.deepEqual(r.add('load hive SYSTEM into key 9'), m.add('load hive SYSTEM into key 9'));
  assert.deepEqual(r.snapshot(), m.snapshot());
  // A version-2 snapshot (written before merging: no aliases, no slots) restores.
  const v2 = new DrainMiner(cfg);
  v2.restore({ version: 2, clusters: [{ id: 'tv2', tokens: ['a', '<*>'], size: 3, path: ['2', 'a'] }] });
  assert.equal(v2.add('a 7').id, 'tv2');
  assert.deepEqual(v2.snapshot().aliases, []);
  // Eviction of the survivor takes the ids merged into it along.
  const small = new DrainMiner(templatesSchema.parse({ depth: 4, similarity: 0.6, maxClusters: 2 }));
  const s2 = small.add('load hive SYSTEM into key 1');
  const u2 = small.add('load hive Users into key 2');
  small.add('load hive Default into key 3');
  small.add('unrelated line');
  small.add('another unrelated line here');
  assert.equal(small.resolve(u2.id), undefined);
  assert.equal(small.resolve(s2.id), undefined);
  assert.equal(small.snapshot().aliases.length, 0);
});

test('recency: the least-recently-used order of a plain list, through removals and compactions', () => {
  const r = new Recency<{ name: number; slot: number }>();
  const order: Array<{ name: number; slot: number }> = [];
  let seed = 3;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = rand(10);
    if (op < 2 || order.length === 0) {
      const x = { name: next++, slot: -1 };
      r.add(x);
      order.push(x);
    } else if (op < 3) {
      const x = order.splice(rand(order.length), 1)[0] as { name: number; slot: number };
      r.remove(x);
    } else if (op < 4) {
      assert.equal(r.oldest(), order[0]);
    } else {
      // Recent items are used most, as clusters are.
      const i = order.length - 1 - Math.min(order.length - 1, rand(4) === 0 ? rand(order.length) : rand(3));
      const x = order.splice(i, 1)[0] as { name: number; slot: number };
      r.use(x);
      order.push(x);
    }
    if (step % 1000 === 0) assert.deepEqual(r.values().map((x) => x.name), order.map((x) => x.name));
  }
  assert.deepEqual(r.values().map((x) => x.name), order.map((x) => x.name));
});

test('a word that differs only in its digits is a value: re-drawn digits inside words make no new cluster (foresight preset only)', () => {
  assert.equal(sameButDigits('worker-3', 'worker-12'), true);
  assert.equal(sameButDigits('AirPort_Brcm43xx::syncPowerState:', 'AirPort_Brcm4360xx::syncPowerState:'), true);
  assert.equal(sameButDigits('abc', 'abc'), false); // no digit: a word
  assert.equal(sameButDigits('a1b', 'a1c'), false);
  assert.equal(sameButDigits('1a', 'a1'), false);
  assert.equal(sameButDigits('x1', 'x'), false);

  const m = new DrainMiner(cfg);
  const a = m.add('ARPT: 261.989: AirPort_Brcm43xx::platformWoWEnable: WWEN[disable]');
  const b = m.add('ARPT: 262.001: AirPort_Brcm4360xx::platformWoWEnable: WWEN[disable]');
  assert.equal(b.id, a.id);
  // Like two value shapes, the word is a value for the match but not widened: the template keeps
  // the first instance's word, and another word there is another event.
  assert.equal(b.text, 'ARPT: <*>: AirPort_Brcm43xx::platformWoWEnable: WWEN[disable]');
  assert.notEqual(m.add('ARPT: 262.5: AirPort_Intel::platformWoWEnable: WWEN[disable]').id, a.id);
  // A stream of such lines stays one cluster.
  for (let i = 0; i < 200; i++) m.add(`ARPT: ${i}.5: AirPort_Brcm${(i * 7919) % 9973}xx::platformWoWEnable: WWEN[disable]`);
  assert.equal(m.size, 2);

  // Drain3's preset keeps Drain3's rule: a different word is a mismatch (it splits on `_`: 4
  // shared words of 5, below 0.9).
  const d = new DrainMiner(templatesSchema.parse({ masking: 'drain3', merge: false, similarity: 0.9 }));
  const x = d.add('ARPT: 261.989: AirPort_Brcm43xx::platformWoWEnable: WWEN[disable]');
  assert.notEqual(d.add('ARPT: 262.001: AirPort_Brcm4360xx::platformWoWEnable: WWEN[disable]').id, x.id);
});
