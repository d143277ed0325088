import { performance } from 'node:perf_hooks';

/**
 * How often this machine takes the CPU away from a running thread: a busy loop that reads the
 * clock and records every gap. On the shared 2-vCPU VMs here a loop alone sees stalls of 1–3 ms a
 * few times a second (with no other process of ours running), which is the same order as the
 * latency tails the benches chase, so the benches print it next to their percentiles.
 */
export function preemptionProbe(ms = 1_000): { over200us: number; over1ms: number; maxMs: number; text: string } {
  let last = performance.now();
  const end = last + ms;
  let over200us = 0;
  let over1ms = 0;
  let maxMs = 0;
  for (;;) {
    const t = performance.now();
    const gap = t - last;
    if (gap > 0.2) over200us++;
    if (gap > 1) over1ms++;
    if (gap > maxMs) maxMs = gap;
    last = t;
    if (t > end) break;
  }
  return {
    over200us,
    over1ms,
    maxMs,
    text: `machine probe: a ${ms}-ms busy loop was stalled ${over1ms}× over 1 ms (${over200us}× over 0.2 ms, longest ${maxMs.toFixed(2)} ms)`,
  };
}
