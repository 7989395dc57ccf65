// Memory probe preloaded into a daemon under a bench (bench/rss.ts sets it through
// NODE_OPTIONS="--expose-gc --import <this file>" and BENCH_HEAP_PROBE=<path>). Plain
// JavaScript: the daemon runs dist/ with no TypeScript loader.
//
// On SIGUSR2 it reads `<path>.req` ({ label, snapshot? }), forces two full GCs, and appends
// one JSON line to <path>: RSS, V8 heap used/total after the GC, external and ArrayBuffer
// bytes, the size of each V8 heap space, and TF.js's own count of tensors and bytes when
// TF.js is loaded. With `snapshot: true` it also writes a heap snapshot next to <path>.
import { appendFileSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const out = process.env.BENCH_HEAP_PROBE;
const gc = globalThis.gc;
if (out && typeof gc === 'function') {
  process.on('SIGUSR2', () => {
    let req = { label: 'probe' };
    try { req = JSON.parse(readFileSync(`${out}.req`, 'utf8')); } catch { /* default label */ }
    gc(); gc();
    const m = process.memoryUsage();
    const mb = (b) => Number((b / 1048576).toFixed(1));
    // tfjs-core keeps its engine on the global object; memory() counts live tensors.
    const engine = globalThis._tfengine;
    const tf = engine && typeof engine.memory === 'function' ? engine.memory() : undefined;
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_used_size)]));
    // Where the resident pages are: the brk heap (glibc malloc's main arena), other anonymous
    // mappings (V8's heap pages, malloc's thread arenas and large blocks), files (code, libtensorflow).
    const where = { heapMB: 0, anonMB: 0, fileMB: 0 };
    try {
      let name = '';
      for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
        const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
        if (head) { name = head[1] ?? ''; continue; }
        const rss = /^Rss:\s+(\d+) kB/.exec(line);
        if (!rss) continue;
        const kb = Number(rss[1]);
        if (name === '[heap]') where.heapMB += kb; else if (name === '' || name.startsWith('[')) where.anonMB += kb; else where.fileMB += kb;
      }
      for (const k of Object.keys(where)) where[k] = Number((where[k] / 1024).toFixed(1));
    } catch { /* not Linux */ }
    let snapshot;
    if (req.snapshot) snapshot = writeHeapSnapshot(`${out}.${req.label}.heapsnapshot`);
    appendFileSync(out, JSON.stringify({
      label: req.label, rssMB: mb(m.rss), heapUsedAfterGcMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal),
      externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers), spacesMB: spaces,
      residentMB: where, threads: threadCount(),
      tf: tf ? { tensors: tf.numTensors, MB: mb(tf.numBytes), dataBuffers: tf.numDataBuffers } : null,
      ...(snapshot ? { snapshot } : {}),
    }) + '\n');
  });
}

function threadCount() {
  try { return Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]); } catch { return null; }
}
