/**
 * Lit (under @vscode-elements) falls back to <style> elements where constructable stylesheets are
 * missing; it tags them with `litNonce`, so they pass the CSP without 'unsafe-inline'. Imported
 * first, so that it runs before any element module.
 */
(globalThis as { litNonce?: string }).litNonce = (document.currentScript as HTMLScriptElement | null)?.nonce || undefined;
