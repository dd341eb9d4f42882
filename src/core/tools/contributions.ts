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

/** The package.json `contributes.languageModelTools` entries, generated from the tool definitions. */
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
