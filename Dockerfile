# The Foresight daemon. Built by docker-compose.yml; runs TypeScript directly through tsx,
# like `npm start`. @tensorflow/tfjs-node installs its native library normally here (the
# image build has internet); scripts/provision-tfjs.mjs does nothing where that worked.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/provision-tfjs.mjs scripts/provision-tfjs.mjs
RUN npm ci --omit=dev && npm cache clean --force

COPY bin bin
COPY core core
COPY daemon daemon
COPY ingest ingest
COPY models models
COPY detector detector
COPY remediator remediator
COPY dashboards dashboards
COPY tsconfig.json ./

RUN useradd --system --home /app foresight && mkdir -p var && chown foresight var
USER foresight
EXPOSE 9464
CMD ["node", "bin/foresight", "run"]
