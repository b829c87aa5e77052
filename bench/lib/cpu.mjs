// CPU time of a process, for benchmarks on a shared machine: CPU seconds per unit of work do
// not depend on what else runs, where wall-clock throughput does.
import fs from 'node:fs';

// User + system CPU seconds of process `pid` so far, from /proc (clock ticks of 1/100 s).
export function processCpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// CPU seconds this Node process (every thread, workers included) has used so far.
export function ownCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// The machine's CPU time so far from /proc/stat, in clock ticks: { idle, total } over every
// CPU, where idle counts idle and iowait and total adds user, nice, system, irq, softirq and
// steal. Two readings give the share of the machine left idle in between.
export function machineCpuTicks() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1, 9).map(Number);
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal, steal };
}
