/**
 * VS Code language-model tool names share one namespace across extensions, so ours carry this
 * prefix; MCP and the CLI use the anchor's bare names. A module of its own so that the editor can
 * register tools by name without loading the tool definitions.
 */
export const LM_TOOL_PREFIX = 'sessionBuddy_';
