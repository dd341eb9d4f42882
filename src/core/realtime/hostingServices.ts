/**
 * What an editor window needs to host the real-time servers, in one module that the window loads
 * with a dynamic import when the server is first started (activation does not pay for it).
 */
export { RealtimeHosting } from './hosting';
export { normaliseOrigin } from './requestGuards';
export { mirrorToken, tokenFilePath } from './token';
