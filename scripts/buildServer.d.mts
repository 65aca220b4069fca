export declare const SERVER_NODE_FLAGS: string[];
export declare const GATEWAY_NODE_FLAGS: string[];
export declare function buildServer(): Promise<void>;
