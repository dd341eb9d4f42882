/**
 * One plain sentence per recommended skill, written from its evidence (the counts themselves are
 * kept beside the sentence, in the evidence, for views and checks).
 */
import type { ContextStep, EditorContext, NextSkillEvidence } from './nextSkillTypes';

function stepText(step: ContextStep): string {
  if (step.skill === null) return 'the start of a session';
  if (step.outcome === 'failed') return `${step.skill} failed`;
  if (step.outcome === 'completed') return `${step.skill} completed`;
  return step.skill;
}

function contextText(steps: readonly ContextStep[]): string {
  return steps.map(stepText).join(' → ');
}

function times(count: number, total: number): string {
  return `${count} of ${total} ${total === 1 ? 'time' : 'times'}`;
}

/** "ran X next" or, when X is the skill the context ends with, "re-ran it". */
function ranWhat(skill: string, steps: readonly ContextStep[]): string {
  return steps.length > 0 && steps[steps.length - 1].skill === skill ? 're-ran it' : `ran ${skill} next`;
}

function editorText(editor: EditorContext): string {
  const kind = editor.isTestFile === undefined ? 'file' : editor.isTestFile ? 'test file' : 'source file';
  return editor.languageId ? `a ${editor.languageId} ${kind}` : `a ${kind}`;
}

export function reasonText(skill: string, evidence: NextSkillEvidence): string {
  switch (evidence.kind) {
    case 'after': {
      const counts = times(evidence.count, evidence.total);
      const context = contextText(evidence.context);
      if (evidence.scope === 'everyone') return `After ${context}, users ran ${skill} next ${counts}.`;
      return `After ${context}, you ${ranWhat(skill, evidence.context)} ${counts}.`;
    }
    case 'pause': {
      const who = evidence.scope === 'you' ? `you ${ranWhat(skill, [evidence.context])}` : `users ran ${skill} next`;
      const pause = evidence.pause.charAt(0).toUpperCase() + evidence.pause.slice(1);
      return `${pause} after ${stepText(evidence.context)}, ${who} ${times(evidence.count, evidence.total)}.`;
    }
    case 'editor': {
      const who = evidence.scope === 'you' ? 'you' : 'users';
      return `With ${editorText(evidence.editor)} open, ${who} ran ${skill} ${times(evidence.count, evidence.total)}.`;
    }
    case 'two-back':
      return `Two runs after ${stepText(evidence.context)}, you ran ${skill} ${times(evidence.count, evidence.total)}.`;
    case 'recent':
      return `You ran ${skill} ${evidence.count} ${evidence.count === 1 ? 'time' : 'times'} in your last ${evidence.window} runs.`;
    case 'repeat':
      return `Your last ${evidence.length} runs repeat an earlier stretch of yours, and ${skill} came next then.`;
    case 'popular':
      return evidence.scope === 'you'
        ? `One of your most run skills: ${evidence.count} of your ${evidence.total} runs.`
        : `Often run by everyone: ${evidence.count} of all ${evidence.total} runs.`;
    case 'new':
      return 'Nobody has run it yet.';
  }
}
