import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../../core/paths.ts';

// The build (npm run build → dist/) and the image that runs it stay in step: the Docker
// engine is not available here, so the Dockerfile is checked against the build's inputs.
const read = (f: string) => readFileSync(packagePath(f), 'utf8');

test('the image copies everything tsc builds, builds dist/ and runs bin/foresight', () => {
  const build = JSON.parse(read('tsconfig.build.json')) as { include: string[]; compilerOptions: { outDir: string } };
  assert.equal(build.compilerOptions.outDir, 'dist');
  const dockerfile = read('Dockerfile');
  const copied = new Set([...dockerfile.matchAll(/^COPY (\S+) /gm)].map((m) => m[1]));
  for (const dir of [...build.include, 'bin']) assert.ok(copied.has(dir), `Dockerfile copies ${dir}/`);
  assert.match(dockerfile, /^COPY package\.json package-lock\.json tsconfig\.json tsconfig\.build\.json/m);
  assert.match(dockerfile, /^RUN npm ci && npm prune --omit=dev/m);
  assert.match(dockerfile, /^CMD \["node", "bin\/foresight", "run"\]/m);
  const ignored = read('.dockerignore').split('\n');
  for (const dir of build.include) assert.ok(!ignored.includes(dir), `${dir} not in .dockerignore`);
});

test('tsx is a dev dependency only; npm install builds dist/; bin/foresight runs dist/', () => {
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
  assert.ok(!('tsx' in pkg.dependencies) && 'tsx' in pkg.devDependencies);
  assert.equal(pkg.scripts.build, 'tsc -p tsconfig.build.json');
  assert.equal(pkg.scripts.prepare, 'npm run build');
  const bin = read('bin/foresight');
  assert.match(bin, /'\.\.\/dist\/daemon\/cli\.js'/);
  assert.doesNotMatch(bin, /tsx/);
  // dist is ignored as a directory or a link (934d7e7).
  assert.ok(read('.gitignore').split('\n').includes('dist'));
});
