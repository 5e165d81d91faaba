import type { HttpFace } from '../faces/face.ts';
import { vapiFace } from '../faces/vapi/index.ts';

/** The HTTP faces every server loads. */
export const HTTP_FACES: readonly HttpFace[] = [vapiFace];
