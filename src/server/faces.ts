import type { Face } from '../faces/face.ts';
import { vapiFace } from '../faces/vapi/index.ts';
import { authdFace } from '../faces/vmserverd/authd-server.ts';
import { viewFace } from '../faces/view/index.ts';
import { rdvFace } from '../faces/rdv/index.ts';
import { webFace } from '../faces/web/index.ts';
import type { ServeConfig } from './config.ts';

/** A face as the server runs it: the face, and where its TCP part listens (if it has one). */
export interface FaceEntry {
  readonly face: Face;
  /** The port setting of its TCP part (0 picks a free one); null = the TCP part does not listen. */
  readonly tcpPort?: (config: ServeConfig) => number | null;
}

/**
 * The faces every server can run, in start order: one line per face. `--faces`
 * (VMGATE_FACES, config key `faces`) picks some by name; all run by default.
 */
export const FACES: readonly FaceEntry[] = [
  { face: vapiFace },
  { face: authdFace, tcpPort: (c) => c.authdPort },
  { face: viewFace },
  { face: rdvFace },
  { face: webFace },
];
