/** Returns true when it had to build. */
export declare function buildDashboardIfStale(): boolean;
