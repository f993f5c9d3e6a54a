/**
 * The service's default limits, apart from the server so that the command line can show them
 * without loading the HTTP and queue libraries (which only `serve` and `worker` need).
 */

/** Largest upload, bytes. */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Jobs queued or running at most; more are answered 429. */
export const DEFAULT_MAX_QUEUE = 64;
