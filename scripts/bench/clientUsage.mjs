// What a bench client's measured transfer cost the machine it runs on, read around the timed
// part only (not the client's start-up or its payload preparation). On this 2-core machine
// the client shares the cores with the servers, so its CPU is part of every rate measured; and
// the cores left idle say how much of a transfer was spent waiting (disk flushes, round trips)
// rather than computing.
import fs from 'node:fs';

/** The machine's CPU time so far (USER_HZ ticks over all cores): busy, and idle with iowait. */
function machineTicks() {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
  } catch {
    return undefined;
  }
}

/** A mark to measure from. */
export function usageMark() {
  return { cpu: process.cpuUsage(), machine: machineTicks() };
}

/**
 * Since `mark`: this process's CPU seconds (user + system), and the share of the machine's
 * core time that was idle (null where /proc is not available).
 */
export function usageSince(mark) {
  const { user, system } = process.cpuUsage(mark.cpu);
  const now = machineTicks();
  const idle = now && mark.machine ? now.idle - mark.machine.idle : NaN;
  const busy = now && mark.machine ? now.busy - mark.machine.busy : NaN;
  const share = idle / (idle + busy);
  return { cpuSeconds: (user + system) / 1e6, machineIdleShare: Number.isFinite(share) ? Math.round(share * 1000) / 1000 : null };
}
