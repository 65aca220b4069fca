import fs from 'node:fs';

/** Peak resident set size of a process in MB (VmHWM), or null where /proc is not available. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command name, or null where there are none. */
function statFields(pid: number | undefined): string[] | null {
  if (!pid) return null;
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, or null where /proc is not available. */
export function cpuSeconds(pid: number | undefined): number | null {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : null;
}

/** Page faults a process has taken so far that needed no disk read (each maps a page, zeroed if fresh). */
export function minorFaults(pid: number | undefined): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[7]) : null;
}
