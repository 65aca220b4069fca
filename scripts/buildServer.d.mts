export declare const STORAGE_NODE_PROCESS_FLAGS: string[];
export declare const GATEWAY_PROCESS_FLAGS: string[];
export declare function processFlags(kind: 'gateway' | 'node'): string[];
export declare function processEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function buildServer(): Promise<void>;
