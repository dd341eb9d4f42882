/** The webview side of the host API, typed with the protocol's messages. */
interface VsCodeApi<T> {
  postMessage(message: T): void;
}

declare function acquireVsCodeApi<T>(): VsCodeApi<T>;

let api: unknown;

/** acquireVsCodeApi may be called once per webview; this keeps the one instance. */
export function hostApi<T>(): VsCodeApi<T> {
  api ??= acquireVsCodeApi<T>();
  return api as VsCodeApi<T>;
}
