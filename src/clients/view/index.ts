/** `vmgate/view`: a TypeScript client of the View broker (`POST /broker/xml`). */
export { ViewClient, ViewError } from './client.ts';
export type { LoginInfo, ViewClientOptions, ViewConnection, ViewDesktop } from './client.ts';
