export * from './xml.ts';
export * from './broker.ts';
