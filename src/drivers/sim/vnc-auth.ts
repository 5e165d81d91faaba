// VNC authentication (DES challenge-response) lives in core, shared by the sim's console and the faces' console proxy.
export { checkVncAuth, newChallenge, vncAuthResponse } from '../../core/vnc-auth.ts';
