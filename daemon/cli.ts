// The CLI lives in ./cli/ (one file per command group in ./cli/commands/).
export { main, buildProgram, exitCodeOf } from './cli/index.ts';
