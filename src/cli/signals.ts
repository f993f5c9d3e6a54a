/**
 * Requests to stop, from wherever they come: SIGINT (Ctrl-C), SIGTERM, SIGHUP, or the death of
 * the launcher process (bin/trackprobe.js, when it had to start the CLI again with V8 flags: its
 * IPC channel closes even when it is killed with -9).
 */

/** A repeat within this time is the same request arriving twice (a terminal's Ctrl-C reaches the
 * whole process group, and the launcher passes on what it gets). */
const SAME_REQUEST_MS = 300;

type StopHandler = (reason: string, repeat: number) => void;

const handlers = new Set<StopHandler>();
let last = { at: 0, count: 0 };

function request(reason: string): void {
  const now = Date.now();
  if (now - last.at < SAME_REQUEST_MS) return;
  last = { at: now, count: last.count + 1 };
  if (handlers.size === 0) process.exit(exitCodeFor(reason));
  for (const h of handlers) h(reason, last.count);
}

const listeners = {
  SIGINT: () => request("SIGINT"),
  SIGTERM: () => request("SIGTERM"),
  SIGHUP: () => request("SIGHUP"),
};

/**
 * Calls `handler` on each stop request until the returned function is called; the count is 1 for
 * the first request, 2 for the second… While no handler is registered, the signals keep their
 * default effect (the process ends).
 */
export function onStopRequest(handler: StopHandler): () => void {
  if (handlers.size === 0) {
    last = { at: 0, count: 0 };
    for (const [signal, listener] of Object.entries(listeners)) process.on(signal, listener);
  }
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0) for (const [signal, listener] of Object.entries(listeners)) process.off(signal, listener);
  };
}

/** With a launcher: its death is a stop request (and the channel must not keep this process alive). */
export function watchLauncher(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once("disconnect", () => request("SIGHUP"));
}

export function exitCodeFor(reason: string): number {
  return 128 + (reason === "SIGINT" ? 2 : reason === "SIGHUP" ? 1 : 15);
}
