// Picks the node registry the configuration asks for: the single embedded node, or etcd.
export * from './discovery.js';
export { SingleNodeRegistry } from './single-node.js';
export { EtcdNodeRegistry, type EtcdRegistryOptions } from './etcd-registry.js';
