export { INBOX_TOPIC, SYNC_TOPIC, type EventBus, type BusRecord, type BusHandler, type Subscription } from './bus.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
