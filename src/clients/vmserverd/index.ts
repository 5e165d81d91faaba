/** `vmgate/vmserverd`: a client of vmgate's vmserverd exec API behind the authd door. */
export { VmserverdClient, VmserverdError, VmserverdConnectionError } from './client.ts';
export type { VmserverdConnectOptions, VmInfo, PowerOpName, DatastoreEntry } from './client.ts';
export type { ExecReply, XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
export { elementToValue, renderElement } from '../../protocols/vmserverd/index.ts';
