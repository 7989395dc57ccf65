import type * as tfjs from '@tensorflow/tfjs';
import type { Logger } from '../../core/log.ts';
import { silentLogger } from '../../core/log.ts';
import { ForesightError } from '../../core/errors.ts';

export type Tf = typeof tfjs;

export interface TfBackend {
  tf: Tf;
  /** tf.getBackend(): 'tensorflow' for the native binding, 'cpu' for pure JavaScript. */
  backend: string;
  native: boolean;
}

/** Optional native package; a variable keeps TypeScript from requiring it to be installed. */
const NATIVE_PACKAGE = '@tensorflow/tfjs-node';

let loading: Promise<TfBackend> | undefined;

/**
 * Loads TensorFlow.js once per process: the native binding if it is installed and loads,
 * the pure-JavaScript CPU backend otherwise (same results, several times slower to
 * train). The choice is logged because it changes training time by an order of magnitude.
 */
export function loadTf(opts: { log?: Logger; preferNative?: boolean } = {}): Promise<TfBackend> {
  loading ??= load(opts.log ?? silentLogger, opts.preferNative ?? true);
  return loading;
}

async function load(log: Logger, preferNative: boolean): Promise<TfBackend> {
  if (preferNative) {
    // libtensorflow logs through its own C++ logger straight to fd 2 (a CPU-feature notice at
    // load), which would break the JSON log stream; 2 keeps errors only. It is read when the
    // binding loads, so it must be set before the import; an operator's own value wins.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    try {
      const mod = (await import(NATIVE_PACKAGE)) as Tf & { default?: Tf };
      const tf = mod.default ?? mod;
      await tf.ready();
      const backend = tf.getBackend();
      log.info({ backend }, 'tensorflow backend loaded');
      return { tf, backend, native: backend === 'tensorflow' };
    } catch (err) {
      log.warn({ code: 'MODEL_BACKEND', err: err instanceof Error ? err.message : String(err) }, `${NATIVE_PACKAGE} unavailable; using the pure-JavaScript CPU backend`);
    }
  }
  try {
    const mod = (await import('@tensorflow/tfjs')) as Tf & { default?: Tf };
    const tf = mod.default ?? mod;
    // The pure-JS package also registers WebGL, which cannot work in Node.
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: tf.getBackend(), native: false };
  } catch (err) {
    throw new ForesightError('MODEL_BACKEND', 'could not initialise TensorFlow.js', { cause: err });
  }
}
