# The Foresight daemon. Built by docker-compose.yml; runs the JavaScript that tsc emits into
# dist/ (bin/foresight → dist/daemon/cli.js), like `npm start`. @tensorflow/tfjs-node installs
# its native library normally here (the image build has internet); scripts/provision-tfjs.mjs
# does nothing where that worked.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts/provision-tfjs.mjs scripts/provision-tfjs.mjs
COPY bin bin
COPY core core
COPY daemon daemon
COPY ingest ingest
COPY models models
COPY detector detector
COPY remediator remediator
COPY dashboards dashboards

# npm ci builds dist/ (the `prepare` script: tsc), then the build tools (TypeScript, tsx)
# are dropped. The sources stay: the embedded config, scenarios and page assets are read
# from them.
RUN npm ci && npm prune --omit=dev && npm cache clean --force

RUN useradd --system --home /app foresight && mkdir -p var && chown foresight var
USER foresight
EXPOSE 9464
CMD ["node", "bin/foresight", "run"]
