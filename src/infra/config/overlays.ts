// Per-service overlay files. The architecture document (docs/architecture.md, the seed's teamgramd/etc) gives
// each service its own YAML file; Echo runs them in one process, so those files are overlays: each one that
// exists beside echod.yaml is merged over it, in the order below (the order a request goes through them).
export const SERVICE_OVERLAYS = ['gnetway', 'session', 'authsession', 'bff', 'biz', 'msg', 'sync', 'dfs'] as const;
export type ServiceOverlay = (typeof SERVICE_OVERLAYS)[number];

/** The overlay file of a service, beside the main configuration file. */
export function overlayFileName(service: ServiceOverlay): string {
  return `${service}.yaml`;
}
