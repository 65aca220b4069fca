export declare const STORAGE_NODE_PROCESS_FLAGS: string[];
export declare const GATEWAY_PROCESS_FLAGS: string[];
export declare function processFlags(kind: 'gateway' | 'node'): string[];
export declare function processEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
/** Builds dist/node.mjs and dist/gateway.mjs when missing or stale (always with force), atomically. */
export declare function buildServer(options?: { force?: boolean }): Promise<void>;
