/** The vmserverd exec wire format, shared by the face (src/faces/vmserverd) and the client (src/clients/vmserverd). */
export * from './framing.ts';
export * from './xml.ts';
export * from './envelope.ts';
export const AUTHD_BANNER = '220 VMware Authentication Daemon Version 1.10: SSL Required, ServerDaemonProtocol:SOAP, MKSDisplayProtocol:VNC , ,';
