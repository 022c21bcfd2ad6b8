// The EventBus contract on the embedded MemoryBus (the Kafka half runs in test/engines/bus-contract.test.ts).
import { MemoryBus } from '../../../src/infra/bus/index.js';
import { busContract } from '../../support/bus-contract.js';

busContract('MemoryBus', async (topics) => {
  const bus = new MemoryBus();
  return { bus, topic: topics[0]!, dispose: () => bus.close() };
});
