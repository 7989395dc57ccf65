import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import run from './run.ts';
import replay from './replay.ts';
import simulate from './simulate.ts';
import evaluate from './eval.ts';
import train from './train.ts';
import models from './models.ts';
import produce from './produce.ts';
import doctor from './doctor.ts';
import config from './config.ts';
import dashboards from './dashboards.ts';
import approve from './approve.ts';

/**
 * Every top-level command group, in the order `foresight --help` lists them. To add one:
 * write `./<group>.ts` exporting `default function register(program, ctx)` (copy
 * ./doctor.ts: options declared with commander, examples in the help, the implementation
 * imported inside the action so --help stays fast), then add it to this list.
 */
export type Register = (program: Command, ctx: CliContext) => void;

export const COMMANDS: Register[] = [run, replay, simulate, evaluate, train, models, produce, approve, doctor, config, dashboards];
