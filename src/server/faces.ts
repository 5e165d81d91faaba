import type { HttpFace } from '../faces/face.ts';

/** The HTTP faces every server loads. */
export const HTTP_FACES: readonly HttpFace[] = [];
