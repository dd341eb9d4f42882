import { detectAnomalies } from '../analytics/anomalies';
import { MAX_ABS_Z } from '../analytics/statistics';
import { hoursParam } from './parameters';
import { defineTool } from './tool';
import { plural } from '../../shared/words';

interface Args {
  threshold: number;
  time_window_hours: number;
}

export const detectAnomaliesTool = defineTool<Args>({
  name: 'detect_anomalies',
  title: 'Detect skill anomalies',
  description:
    "Compares each skill's last hour with the rest of the window and reports significant changes: a completion-rate drop, a duration spike, or an unusual shift the other way. Detected anomalies are stored (one per episode) and resolved when the data is normal again.",
  writes: 'derived',
  inputSchema: {
    type: 'object',
    properties: {
      threshold: { type: 'number', description: 'Smallest |z-score| reported (default 2)', exclusiveMinimum: 0, maximum: MAX_ABS_Z, default: 2 },
      time_window_hours: hoursParam(24, 'Baseline plus the recent hour', 1),
    },
    additionalProperties: false,
  },
  async handler({ store, mayWrite }, args) {
    const anomalies = await detectAnomalies(store, { threshold: args.threshold, windowHours: args.time_window_hours, record: mayWrite() });
    return {
      anomalies: anomalies.map((a) => ({
        skill_name: a.skill_name,
        anomaly_type: a.anomaly_type,
        metric: a.metric,
        baseline_value: a.baseline_value,
        observed_value: a.observed_value,
        deviation_score: a.deviation_score,
        detected_at: a.detected_at,
      })),
      message: `Detected ${plural(anomalies.length, 'anomaly')} with Z-score >= ${args.threshold}`,
    };
  },
});
