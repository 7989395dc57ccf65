/**
 * Named masking presets for the template miner. A rule is a regular expression whose
 * matches become a mask token before tokenising (`<*>` when its name is `*`, `<NAME>`
 * otherwise, so a masked token is equal to other masked tokens of its kind).
 *
 * - `foresight`: no regular expressions; the miner's own single-pass token classifier masks
 *   numbers, hex, IPs and UUIDs, and paths holding one of them (mask.ts), which is what makes
 *   it fast; upper-case words are constants (drain.ts).
 * - `drain3`: the masking of Drain3's example configuration (drain3.ini in
 *   logpai/Drain3), with its `<:NAME:>` mask spelling.
 * - `loghub-<Set>`: the preprocessing regular expressions of the LogHub Drain benchmark
 *   (logpai/logparser, benchmark/Drain_benchmark.py) for each of its 16 sets, with that
 *   benchmark's similarity threshold and depth in LOGHUB_PARAMS.
 *
 * The same rules are handed to Drain3 by `eval loghub`, so both miners see identical masking.
 */

export interface MaskRule {
  /** ECMAScript and Python `re` compatible regular expression (no flags). */
  pattern: string;
  /** Mask name: `*` masks to the wildcard itself. */
  name: string;
}

export interface MaskPreset {
  rules: MaskRule[];
  /** Mask spelling around the name (Drain3's `mask_prefix` / `mask_suffix`). */
  prefix: string;
  suffix: string;
  /** Extra token delimiters besides whitespace (Drain3's `extra_delimiters`). */
  extraDelimiters: string[];
  /** Also run the miner's built-in token classifier (numbers, hex, IPs, UUIDs become `<*>`). */
  builtin: boolean;
  /**
   * Upper-case words of 3 or more letters (`FAILED`, `CBS_E_INVALID_PACKAGE`, `SPP.`) are
   * constants: a line never joins a template that has another word there, and such a word is
   * never generalised to `<*>`; and a token of values and punctuation only (`<*>,`) is no
   * shared word in the similarity (drain.ts). Off for the Drain3 and LogHub presets, which
   * reproduce Drain3.
   */
  constants: boolean;
}

const star = (...patterns: string[]): MaskPreset => ({
  rules: patterns.map((pattern) => ({ pattern, name: '*' })),
  prefix: '<',
  suffix: '>',
  extraDelimiters: [],
  builtin: false,
  constants: false,
});

const DRAIN3: MaskPreset = {
  rules: [
    { pattern: '((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)', name: 'ID' },
    { pattern: '((?<=[^A-Za-z0-9])|^)(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})((?=[^A-Za-z0-9])|$)', name: 'IP' },
    { pattern: '((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)', name: 'SEQ' },
    { pattern: '((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)', name: 'SEQ' },
    { pattern: '((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)', name: 'HEX' },
    { pattern: '((?<=[^A-Za-z0-9])|^)([\\-\\+]?\\d+)((?=[^A-Za-z0-9])|$)', name: 'NUM' },
    { pattern: '(?<=executed cmd )(".+?")', name: 'CMD' },
  ],
  prefix: '<:',
  suffix: ':>',
  extraDelimiters: ['_'],
  builtin: false,
  constants: false,
};

const IP = '(\\d+\\.){3}\\d+';
const DOTTED = '([\\w-]+\\.){2,}[\\w-]+';

/** LogHub Drain benchmark preprocessing, per set. */
const LOGHUB: Record<string, MaskPreset> = {
  HDFS: star('blk_-?\\d+', `${IP}(:\\d+)?`),
  Hadoop: star(IP),
  Spark: star(IP, '\\b[KGTM]?B\\b', DOTTED),
  Zookeeper: star(`(/|)${IP}(:\\d+)?`),
  BGL: star('core\\.\\d+'),
  HPC: star('=\\d+'),
  Thunderbird: star(IP),
  Windows: star('0x.*?\\s'),
  Linux: star(IP, '\\d{2}:\\d{2}:\\d{2}'),
  Android: star('(/[\\w-]+)+', DOTTED, '\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b'),
  HealthApp: star(),
  Apache: star(IP),
  Proxifier: star('<\\d+\\ssec', '([\\w-]+\\.)+[\\w-]+(:\\d+)?', '\\d{2}:\\d{2}(:\\d{2})*', '[KGTM]B'),
  OpenSSH: star(IP, DOTTED),
  OpenStack: star(`((\\d+\\.){3}\\d+,?)+`, '/.+?\\s', '\\d+'),
  Mac: star(DOTTED),
};

/** LogHub Drain benchmark similarity threshold and depth, per set. */
export const LOGHUB_PARAMS: Readonly<Record<string, { similarity: number; depth: number }>> = {
  HDFS: { similarity: 0.5, depth: 4 },
  Hadoop: { similarity: 0.5, depth: 4 },
  Spark: { similarity: 0.5, depth: 4 },
  Zookeeper: { similarity: 0.5, depth: 4 },
  BGL: { similarity: 0.5, depth: 4 },
  HPC: { similarity: 0.5, depth: 4 },
  Thunderbird: { similarity: 0.5, depth: 4 },
  Windows: { similarity: 0.7, depth: 5 },
  Linux: { similarity: 0.39, depth: 6 },
  Android: { similarity: 0.2, depth: 6 },
  HealthApp: { similarity: 0.2, depth: 4 },
  Apache: { similarity: 0.5, depth: 4 },
  Proxifier: { similarity: 0.6, depth: 3 },
  OpenSSH: { similarity: 0.6, depth: 5 },
  OpenStack: { similarity: 0.5, depth: 5 },
  Mac: { similarity: 0.7, depth: 6 },
};

/** Drain3's own defaults (TemplateMinerConfig) for the parameters the presets do not set. */
export const DRAIN3_PARAMS = { similarity: 0.4, depth: 4, maxChildren: 100 } as const;

export const MASK_PRESETS: Readonly<Record<string, MaskPreset>> = Object.freeze({
  foresight: { ...star(), builtin: true, constants: true },
  none: star(),
  drain3: DRAIN3,
  ...Object.fromEntries(Object.entries(LOGHUB).map(([set, p]) => [`loghub-${set}`, p])),
});

export const MASK_PRESET_NAMES = Object.keys(MASK_PRESETS);
