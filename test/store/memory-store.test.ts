import { MemoryStore } from '../../src/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('memory', () => ({ store: new MemoryStore() }), { durable: false });
