/**
 * Runs `work` at most once per `ms`, trailing: calls within the interval collapse into one run at
 * its end, so the last change is always shown and a burst of events costs one refresh.
 */
export function throttle(work: () => void, ms: number): { (): void; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const run = () => {
    timer = undefined;
    last = Date.now();
    work();
  };
  const call = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  call.dispose = () => clearTimeout(timer);
  return call;
}
