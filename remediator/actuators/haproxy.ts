/**
 * The HAProxy actuator, through the runtime API on HAProxy's admin socket
 * (`stats socket … level admin`): one command per connection, answers read back.
 *
 *   traffic_shift ─► `set weight <backend>/<server> N` on the primary and standby servers
 *   scale_out/in   ─► `set server <backend>/<server> state ready|maint` on the target's
 *                     servers, in order, so that `toReplicas` of them are ready
 *   rollback / restore ─► the weights or states found before the first change
 *
 * Every change is read back with `show servers state <backend>`. What was replaced is
 * recorded on the ActionRecord (`actuation.haproxy`) and rebuilt by `restore()`.
 */
import { connect } from 'node:net';
import { z } from 'zod';
import type { ActionRecord, ActuationState, Actuator, ActuatorResult } from '../types.ts';

const name = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const haproxyConfigSchema = z.object({
  /** The admin socket: a unix socket path, or `tcp://host:port`. */
  socket: z.string().min(1),
  timeoutMs: z.number().int().positive().default(5_000),
  targets: z.record(z.string().min(1), z.object({
    backend: name,
    /** Servers that carry the primary's share in a traffic shift. */
    primary: z.array(name).default([]),
    /** Servers that carry the standby's share. */
    standby: z.array(name).default([]),
    /** Servers counted as replicas, in the order a scale-out enables them (the rest stay in maint). */
    servers: z.array(name).default([]),
  }).strict()).default({}),
}).strict();

export type HaproxyConfig = z.infer<typeof haproxyConfigSchema>;

export interface ServerState {
  name: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  op: number;
  /**
   * srv_admin_state bits: 0x01 forced, 0x02 inherited, 0x20 resolution, 0x80 hostname
   * maintenance; 0x04 only says `disabled` was in the config (a server made ready at run time
   * keeps it, measured on HAProxy 2.6); 0x08/0x10/0x40 drain.
   */
  admin: number;
  weight: number;
}

const MAINT = 0x01 | 0x02 | 0x20 | 0x80;

/** Sends one command; resolves with HAProxy's answer. */
export function runtimeCommand(socket: string, command: string, timeoutMs: number): Promise<string> {
  if (/[\r\n;]/.test(command)) return Promise.reject(new Error('a runtime API command must be one line without ";"'));
  return new Promise((resolve, reject) => {
    const tcp = /^tcp:\/\/([^:/]+):(\d+)$/.exec(socket);
    const conn = tcp ? connect({ host: tcp[1]!, port: Number(tcp[2]) }) : connect({ path: socket });
    let out = '';
    conn.setEncoding('utf8');
    conn.setTimeout(timeoutMs, () => conn.destroy(new Error(`no answer from the HAProxy socket ${socket} within ${timeoutMs} ms`)));
    conn.on('data', (s: string) => { out += s; });
    conn.once('error', reject);
    conn.once('close', () => resolve(out));
    conn.once('connect', () => conn.end(`${command}\n`));
  });
}

/** Parses `show servers state <backend>` (format version 1). */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const out: ServerState[] = [];
  for (const l of lines.slice(lines[0]?.trim() === '1' ? 1 : 0)) {
    const f = l.trim().split(/\s+/);
    if (f.length < 8) continue;
    out.push({ name: f[3]!, op: Number(f[5]), admin: Number(f[6]), weight: Number(f[7]) });
  }
  return out;
}

const ready = (s: ServerState): boolean => (s.admin & MAINT) === 0;

interface Memory { weights?: Record<string, number>; states?: Record<string, 'ready' | 'maint'> }

export function createHaproxyActuator(cfg: HaproxyConfig): Actuator {
  const memory = new Map<string, Memory>();
  const mem = (t: string): Memory => { let m = memory.get(t); if (!m) { m = {}; memory.set(t, m); } return m; };
  const cmd = async (command: string): Promise<string> => {
    const answer = await runtimeCommand(cfg.socket, command, cfg.timeoutMs);
    // Runtime API errors come back as text; set commands answer nothing on success.
    if (/^(No such|Unknown|Require|Invalid|Permission denied|Can't)/im.test(answer.trim())) throw new Error(`HAProxy refused "${command}": ${answer.trim()}`);
    return answer;
  };
  const state = async (backend: string): Promise<Map<string, ServerState>> =>
    new Map(parseServersState(await cmd(`show servers state ${backend}`)).map((s) => [s.name, s]));

  async function shift(a: ActionRecord, t: HaproxyConfig['targets'][string]): Promise<ActuatorResult> {
    const m = mem(a.target);
    const names = [...t.primary, ...t.standby];
    if (t.primary.length === 0 || t.standby.length === 0) return { ok: false, detail: `haproxy.targets.${a.target} needs primary and standby servers for a traffic shift` };
    const before = await state(t.backend);
    const found: Record<string, number> = {};
    for (const n of names) {
      const s = before.get(n);
      if (!s) return { ok: false, detail: `no server ${t.backend}/${n} in HAProxy` };
      found[n] = s.weight;
    }
    const to = a.params.toWeights ?? {};
    const restoring = (to.standby ?? 0) === 0;
    const original = m.weights ?? found;
    const wanted: Record<string, number> = restoring ? { ...original } : Object.fromEntries([
      ...t.primary.map((n) => [n, Math.round((to.primary ?? 0) * 100)] as const),
      ...t.standby.map((n) => [n, Math.round((to.standby ?? 0) * 100)] as const),
    ]);
    for (const n of names) await cmd(`set weight ${t.backend}/${n} ${wanted[n]}`);
    const after = await state(t.backend);
    const now = Object.fromEntries(names.map((n) => [n, after.get(n)?.weight ?? -1]));
    const same = names.every((n) => now[n] === wanted[n]);
    if (restoring) delete m.weights; else m.weights = original;
    const fmt = (w: Record<string, number>): string => names.map((n) => `${n}=${w[n]}`).join(' ');
    return {
      ok: same,
      detail: `${t.backend} weights ${fmt(found)} → ${fmt(now)}${same ? ' (read back)' : ` but read back differs from ${fmt(wanted)}`}`,
      state: { backend: t.backend, previousWeights: found, weights: now, originalWeights: restoring ? null : original },
    };
  }

  async function scale(a: ActionRecord, t: HaproxyConfig['targets'][string], to: number): Promise<ActuatorResult> {
    const m = mem(a.target);
    if (t.servers.length === 0) return { ok: false, detail: `haproxy.targets.${a.target}.servers is empty: nothing to scale` };
    const before = await state(t.backend);
    const found: Record<string, 'ready' | 'maint'> = {};
    for (const n of t.servers) {
      const s = before.get(n);
      if (!s) return { ok: false, detail: `no server ${t.backend}/${n} in HAProxy` };
      found[n] = ready(s) ? 'ready' : 'maint';
    }
    const original = m.states ?? found;
    const restoring = a.kind !== 'scale_out' && to <= Object.values(original).filter((x) => x === 'ready').length;
    const wanted: Record<string, 'ready' | 'maint'> = restoring
      ? { ...original }
      : Object.fromEntries(t.servers.map((n, i) => [n, i < to ? 'ready' : 'maint'] as const));
    for (const n of t.servers) if (wanted[n] !== found[n]) await cmd(`set server ${t.backend}/${n} state ${wanted[n]}`);
    const after = await state(t.backend);
    const now = Object.fromEntries(t.servers.map((n) => [n, after.get(n) && ready(after.get(n)!) ? 'ready' : 'maint']));
    const same = t.servers.every((n) => now[n] === wanted[n]);
    if (restoring) delete m.states; else m.states = original;
    const count = (x: Record<string, string>): number => Object.values(x).filter((v) => v === 'ready').length;
    return {
      ok: same,
      detail: `${t.backend} ready servers ${count(found)} → ${count(now)} (${t.servers.filter((n) => now[n] === 'ready').join(',')})${same ? ' (read back)' : ' but read back differs'}`,
      state: { backend: t.backend, previousStates: found, states: now, originalStates: restoring ? null : original },
    };
  }

  return {
    name: 'haproxy',
    async replicas(target) {
      const t = cfg.targets[target];
      if (!t || t.servers.length === 0) return undefined;
      const s = await state(t.backend);
      return t.servers.filter((n) => { const x = s.get(n); return x !== undefined && ready(x); }).length;
    },
    async execute(a) {
      if (a.kind === 'alert') return { ok: true, detail: 'nothing to do for an alert' };
      const t = cfg.targets[a.target];
      if (!t) return { ok: false, detail: `no haproxy.targets.${a.target} configured` };
      try {
        if (a.params.toWeights) return await shift(a, t);
        if (a.params.toReplicas !== undefined) return await scale(a, t, a.params.toReplicas);
        return { ok: true, detail: 'no replicas or weights to change' };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
    async verify(a) {
      const st = a.actuation?.haproxy;
      const t = cfg.targets[a.target];
      if (!st || !t) return undefined;
      try {
        const s = await state(t.backend);
        if (st.weights && typeof st.weights === 'object') {
          const w = st.weights as Record<string, number>;
          const ok = Object.entries(w).every(([n, v]) => s.get(n)?.weight === v);
          return { ok, detail: `${t.backend} weights ${Object.keys(w).map((n) => `${n}=${s.get(n)?.weight}`).join(' ')}` };
        }
        const up = t.servers.filter((n) => { const x = s.get(n); return x !== undefined && ready(x) && x.op === 2; });
        const want = a.params.toReplicas ?? 0;
        return { ok: up.length >= want, detail: `${t.backend} ${up.length}/${want} servers ready and running` };
      } catch (err) {
        return { ok: false, detail: `could not read HAProxy: ${(err as Error).message}` };
      }
    },
    restore(records) {
      for (const r of records) {
        const st: ActuationState | undefined = r.actuation?.haproxy;
        if (!st) continue;
        const m = mem(r.target);
        if ('originalWeights' in st) { if (st.originalWeights && typeof st.originalWeights === 'object') m.weights = st.originalWeights as Record<string, number>; else delete m.weights; }
        if ('originalStates' in st) { if (st.originalStates && typeof st.originalStates === 'object') m.states = st.originalStates as Record<string, 'ready' | 'maint'>; else delete m.states; }
      }
    },
  };
}
