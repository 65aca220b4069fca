import type { Readable } from 'node:stream';

export declare const CHUNK: number;
export declare function payload(mib: number, seed: string): Readable;
