// Worker-thread entry of the retrainer. Worker threads do not inherit the main thread's
// loader hooks, so tsx is registered here before the TypeScript worker is imported. Only
// used from the sources: the build (dist/) starts its compiled retrain-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./retrain-worker.ts');
