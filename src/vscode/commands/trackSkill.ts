import * as vscode from 'vscode';
import { SAFE_SKILL_NAME, SAFE_SKILL_NAME_MAX } from '../../core/validation';
import type { Outcome } from '../../core/tracking/runRecorder';
import { COMMANDS } from '../commandIds';
import { Disposable } from '../lifecycle';
import type { InvocationRecorder, PendingRun } from '../recorder';
import type { StoreHost } from '../storeHost';
import { plural } from '../../shared/words';

interface SkillPick extends vscode.QuickPickItem {
  skill: string;
}

interface OutcomePick extends vscode.QuickPickItem {
  outcome: 'completed' | 'failed' | 'abandoned' | 'later';
}

/** A typed name as a skill name: trimmed, lower-case, spaces as '-'; undefined when it is not a valid one. */
export function normaliseSkillName(text: string): string | undefined {
  const name = text.trim().toLowerCase().replace(/\s+/g, '-');
  return SAFE_SKILL_NAME.test(name) ? name : undefined;
}

const NAME_HINT = `lower-case letters, digits and . _ : - (at most ${SAFE_SKILL_NAME_MAX}), e.g. "deploy-staging"`;

/**
 * "Track Skill…": pick a known skill or type a new name, then the outcome; "Mark Outcome…" ends a
 * run started with "mark the outcome later", which measures its duration.
 */
export class TrackSkillCommands extends Disposable {
  private readonly open: { run: PendingRun; startedAt: Date }[] = [];

  constructor(private readonly host: StoreHost, private readonly recorder: InvocationRecorder, private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.commands.registerCommand(COMMANDS.trackSkill, () => this.track()));
    this.register(vscode.commands.registerCommand(COMMANDS.markOutcome, () => this.markOutcome()));
  }

  private async track(): Promise<void> {
    if (!this.recorder.isEnabled('explicit')) {
      const choice = await vscode.window.showInformationMessage('Session Buddy: tracking is paused.', 'Resume Tracking');
      if (choice) await vscode.commands.executeCommand(COMMANDS.resumeTracking);
      return;
    }
    const skill = await this.pickSkill();
    if (!skill) return;
    const outcome = await vscode.window.showQuickPick<OutcomePick>(
      [
        { label: '$(pass) Completed', outcome: 'completed' },
        { label: '$(error) Failed', outcome: 'failed' },
        { label: '$(circle-slash) Abandoned', outcome: 'abandoned' },
        { label: '$(watch) Starting now', description: 'mark the outcome later (Session Buddy: Mark Outcome…)', outcome: 'later' },
      ],
      { title: `Track ${skill}`, placeHolder: 'How did it go?' },
    );
    if (!outcome) return;
    if (outcome.outcome === 'later') {
      const run = this.recorder.start(skill, 'explicit');
      if (run) this.open.push({ run, startedAt: new Date() });
      return;
    }
    const details = await this.outcomeDetails(outcome.outcome);
    if (!details) return;
    await this.report(skill, this.recorder.record(skill, 'explicit', details));
  }

  private async markOutcome(): Promise<void> {
    if (this.open.length === 0) {
      void vscode.window.showInformationMessage('Session Buddy: no run is waiting for its outcome. Start one with "Track Skill…" and "Starting now".');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      this.open.map((entry, index) => ({ label: entry.run.skillName, description: `started ${entry.startedAt.toLocaleTimeString()}`, index })),
      { title: 'Mark the outcome of', placeHolder: 'Which run finished?' },
    );
    if (!picked) return;
    const outcome = await vscode.window.showQuickPick<OutcomePick>(
      [
        { label: '$(pass) Completed', outcome: 'completed' },
        { label: '$(error) Failed', outcome: 'failed' },
        { label: '$(circle-slash) Abandoned', outcome: 'abandoned' },
      ],
      { title: `Outcome of ${picked.label}` },
    );
    if (!outcome) return;
    const details = await this.outcomeDetails(outcome.outcome);
    if (!details) return;
    const [entry] = this.open.splice(picked.index, 1);
    await this.report(entry.run.skillName, entry.run.complete(details));
  }

  private async outcomeDetails(outcome: OutcomePick['outcome']): Promise<Outcome | undefined> {
    if (outcome === 'completed') return { completed: true };
    if (outcome === 'abandoned') return { completed: false, errorType: 'abandoned' };
    const errorType = await vscode.window.showInputBox({
      title: 'What went wrong? (optional)',
      prompt: 'A short error type such as "assertion" or "timeout"; no paths, output or secrets.',
      validateInput: (value) => (value.length > 100 ? 'At most 100 characters' : undefined),
    });
    if (errorType === undefined) return undefined;
    return { completed: false, errorType: errorType.trim() || 'failed' };
  }

  private async report(skill: string, recorded: Promise<number | undefined>): Promise<void> {
    try {
      const id = await recorded;
      if (id !== undefined) void vscode.window.setStatusBarMessage(`$(check) Session Buddy tracked ${skill}`, 3000);
    } catch (err) {
      this.log.error(`Could not track ${skill}: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Session Buddy could not track ${skill}: ${(err as Error).message}`);
    }
  }

  private async knownSkills(): Promise<SkillPick[]> {
    const window = await this.host.window;
    return (await window.skillCounts(200))
      .map((s) => ({ label: s.skill_name, description: `${plural(s.total_invocations, 'run')} · ${Math.round(s.completion_rate * 100)}% completed`, skill: s.skill_name }));
  }

  private pickSkill(): Promise<string | undefined> {
    const pick = vscode.window.createQuickPick<SkillPick>();
    pick.title = 'Track a skill';
    pick.placeholder = 'Pick a skill, or type a new name';
    pick.busy = true;
    let known: SkillPick[] = [];
    const refresh = () => {
      const typed = pick.value.trim();
      const name = normaliseSkillName(typed);
      const exists = known.some((k) => k.skill === name);
      const extra: SkillPick[] = typed && !exists ? [{ label: `$(add) ${name ?? typed}`, description: name ? 'new skill' : `not a valid name: ${NAME_HINT}`, skill: name ?? '', alwaysShow: true }] : [];
      pick.items = [...extra, ...known];
    };
    void this.knownSkills().then(
      (skills) => {
        known = skills;
        pick.busy = false;
        refresh();
      },
      () => (pick.busy = false),
    );
    return new Promise((resolve) => {
      pick.onDidChangeValue(refresh);
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0];
        if (!chosen?.skill) return;
        resolve(chosen.skill);
        pick.hide();
      });
      pick.onDidHide(() => {
        resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }
}
