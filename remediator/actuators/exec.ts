/**
 * Runs a program per action: an argv array from the config, never a shell. Placeholders
 * (`{service}`, `{toReplicas}`, …) are whole arguments, replaced by the value as one argv
 * element, so whatever a service name holds (it comes from logs) reaches the program as one
 * literal argument and is never parsed by anything. The environment is an allow-list of
 * the daemon's variables; a timeout kills the program. Exit status and the tail of stderr
 * go on the record (`actuation.exec`).
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import type { ActionRecord, Actuator, ActuatorResult } from '../types.ts';

export const EXEC_PLACEHOLDERS = ['actionId', 'service', 'target', 'kind', 'mode', 'status', 'fromReplicas', 'toReplicas', 'primaryShare', 'standbyShare', 'rollbackOf'] as const;
type Placeholder = (typeof EXEC_PLACEHOLDERS)[number];
const WHOLE = /^\{([A-Za-z]+)\}$/;

export const execConfigSchema = z.object({
  /** argv[0] is the program (a path; PATH lookup uses the allowed PATH), the rest its arguments. */
  command: z.array(z.string()).min(1),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Names of the daemon's environment variables passed on; nothing else is. */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default(['PATH']),
  /** Action kinds the program runs for. */
  kinds: z.array(z.enum(['scale_out', 'scale_in', 'traffic_shift', 'rollback', 'alert'])).default(['scale_out', 'scale_in', 'traffic_shift', 'rollback']),
  cwd: z.string().min(1).optional(),
}).strict().superRefine((c, ctx) => {
  c.command.forEach((arg, i) => {
    const m = WHOLE.exec(arg);
    if (m && !(EXEC_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
      ctx.addIssue({ code: 'custom', path: ['command', i], message: `unknown placeholder ${arg}; known: ${EXEC_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` });
    } else if (!m && /\{[A-Za-z]+\}/.test(arg)) {
      ctx.addIssue({ code: 'custom', path: ['command', i], message: `placeholders must be whole arguments ("${arg}"): pass "--flag", "{value}" as two arguments` });
    }
  });
  if (WHOLE.test(c.command[0]!)) ctx.addIssue({ code: 'custom', path: ['command', 0], message: 'the program itself cannot be a placeholder' });
});

export type ExecConfig = z.infer<typeof execConfigSchema>;

const TAIL = 2048;

function value(a: ActionRecord, p: Placeholder): string | undefined {
  switch (p) {
    case 'actionId': return a.actionId;
    case 'service': return a.service;
    case 'target': return a.target;
    case 'kind': return a.kind;
    case 'mode': return a.mode;
    case 'status': return a.status;
    case 'fromReplicas': return a.params.fromReplicas?.toString();
    case 'toReplicas': return a.params.toReplicas?.toString();
    case 'primaryShare': return a.params.toWeights?.primary?.toString();
    case 'standbyShare': return a.params.toWeights?.standby?.toString();
    case 'rollbackOf': return a.rollbackOf;
  }
}

/** The argv for an action, or the placeholder that has no value for it. */
export function buildArgv(command: readonly string[], a: ActionRecord): { argv: string[] } | { missing: string } {
  const argv: string[] = [];
  for (const arg of command) {
    const m = WHOLE.exec(arg);
    if (!m) { argv.push(arg); continue; }
    const v = value(a, m[1] as Placeholder);
    if (v === undefined) return { missing: arg };
    argv.push(v);
  }
  return { argv };
}

export function createExecActuator(cfg: ExecConfig, env: NodeJS.ProcessEnv = process.env): Actuator {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const name of cfg.env) if (env[name] !== undefined) childEnv[name] = env[name];
  return {
    name: 'exec',
    async execute(a): Promise<ActuatorResult> {
      if (!cfg.kinds.includes(a.kind)) return { ok: true, detail: `not configured for ${a.kind}` };
      const built = buildArgv(cfg.command, a);
      if ('missing' in built) return { ok: false, detail: `placeholder ${built.missing} has no value for a ${a.kind}` };
      const [program, ...args] = built.argv as [string, ...string[]];
      const t0 = performance.now();
      return new Promise<ActuatorResult>((resolve) => {
        let stderr = '';
        let timedOut = false;
        const child = spawn(program, args, { env: childEnv, shell: false, stdio: ['ignore', 'ignore', 'pipe'], ...(cfg.cwd ? { cwd: cfg.cwd } : {}) });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (s: string) => { stderr = (stderr + s).slice(-TAIL); });
        const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, cfg.timeoutMs);
        child.once('error', (err) => {
          clearTimeout(timer);
          resolve({ ok: false, detail: `could not start ${program}: ${err.message}`, state: { exitCode: null, signal: null, stderrTail: '', durationMs: Math.round(performance.now() - t0) } });
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          const state = { exitCode: code, signal, stderrTail: stderr, durationMs: Math.round(performance.now() - t0) };
          const lastLine = stderr.trim().split('\n').pop() ?? '';
          if (timedOut) resolve({ ok: false, detail: `${program} timed out after ${cfg.timeoutMs} ms and was killed`, state });
          else if (code === 0) resolve({ ok: true, detail: `${program} exited 0`, state });
          else resolve({ ok: false, detail: `${program} exited ${code ?? signal}${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}`, state });
        });
      });
    },
  };
}
