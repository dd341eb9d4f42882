/**
 * File-system errors said in plain words with the file they concern, so that "ENOSPC" reaches the
 * user as "the disk is full". The original code stays on the error for callers that branch on it.
 */
const PLAIN: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EIO: 'the disk reported an input/output error',
  EROFS: 'the file system is read-only',
  EACCES: 'permission is denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many files are open',
  EFBIG: 'the file is too large',
};

export class StoreIoError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly file: string) {
    super(message);
  }
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "could not append to /x/seg.jsonl: the disk is full (ENOSPC)". */
export function describeIoError(err: unknown, action: string, file: string): StoreIoError {
  if (err instanceof StoreIoError) return err;
  const code = errorCode(err);
  const plain = code && PLAIN[code] ? `${PLAIN[code]} (${code})` : (err as Error)?.message ?? String(err);
  return new StoreIoError(`could not ${action} ${file}: ${plain}`, code, file);
}

/** A write that moved no bytes without an error: treated as a failed write, never as success. */
export function zeroByteWrite(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('the write stored 0 bytes');
  err.code = 'EIO';
  return err;
}
