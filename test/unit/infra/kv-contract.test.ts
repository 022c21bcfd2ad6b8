// The KeyValueStore contract on the embedded store (the Redis half runs in test/engines/kv-contract.test.ts).
import { MemoryKeyValueStore } from '../../../src/infra/kv/memory-kv.js';
import { kvContract } from '../../support/contracts/kv-contract.js';

kvContract('memory', async () => new MemoryKeyValueStore());
