import { AGENT_TOOLS } from './agentTools';
import { LM_TOOL_PREFIX } from './lmToolPrefix';
import type { ObjectSchema } from './schema';

export interface LanguageModelToolContribution {
  name: string;
  displayName: string;
  toolReferenceName: string;
  canBeReferencedInPrompt: boolean;
  modelDescription: string;
  icon: string;
  tags: string[];
  inputSchema: ObjectSchema;
}

/**
 * What package.json's `contributes.languageModelTools` must list, from the tool definitions. The build
 * does not write package.json: test/unit/tools.test.ts fails until it is updated to match.
 */
export function languageModelToolContributions(): LanguageModelToolContribution[] {
  return AGENT_TOOLS.map((tool) => ({
    name: `${LM_TOOL_PREFIX}${tool.name}`,
    displayName: tool.title,
    toolReferenceName: tool.name,
    canBeReferencedInPrompt: true,
    modelDescription: tool.description,
    icon: tool.writes === 'never' ? '$(pulse)' : '$(record)',
    tags: ['session-buddy', 'skills', 'metrics'],
    inputSchema: tool.inputSchema,
  }));
}
