export { AdminService, signOutLive, signOutByNote, MAX_PAGE, type AdminServiceDeps, type DeviceSignOut, type LiveCounts, type ServerStats } from './admin-service.js';
export { userJson, deviceJson, isoSeconds } from './views.js';
