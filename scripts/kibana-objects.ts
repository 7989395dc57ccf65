// Writes dashboards/kibana/foresight.ndjson from dashboards/kibana/objects.ts.
// Usage: node --import tsx scripts/kibana-objects.ts
import { writeFileSync } from 'node:fs';
import { savedObjects, toNdjson } from '../dashboards/kibana/objects.ts';

const file = new URL('../dashboards/kibana/foresight.ndjson', import.meta.url);
const objects = savedObjects();
writeFileSync(file, toNdjson(objects));
console.log(`${objects.length} saved objects written to dashboards/kibana/foresight.ndjson`);
