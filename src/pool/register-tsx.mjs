// Loaded (with --import) into agent worker threads when Switchyard runs from its TypeScript
// sources (tests, tsx). On Node 20, `--import tsx` registers its loader on the main thread
// only, so workers register it themselves. The compiled dist/ never uses this file.
import { register } from 'tsx/esm/api';

register();
