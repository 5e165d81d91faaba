/** The vAPI wire layer: value codecs (specialized, clean, REST), the JSON-RPC envelope and std errors. */
export * from './decode-result.ts';
export * from './wire-json.ts';
export * from './value-codec.ts';
export * from './specialized-json.ts';
export * from './clean-json.ts';
export * from './rest-json.ts';
export * from './std-errors.ts';
export * from './jsonrpc-envelope.ts';
export * from './operation-codec.ts';
