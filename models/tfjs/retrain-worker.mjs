// Worker-thread entry of the retrainer. Worker threads do not inherit the main thread's
// loader hooks, so tsx is registered here before the TypeScript worker is imported.
import { register } from 'tsx/esm/api';

register();
await import('./retrain-worker.ts');
