import { analyzeAbTest, getActiveAbTest, listAbTests } from '../analytics/abTesting';
import { defineTool } from './tool';

interface Args {
  test_id?: number;
}

export const getAbTestResultsTool = defineTool<Args>({
  name: 'get_ab_test_results',
  title: 'A/B test results',
  description:
    'Results of an A/B test of recommendation strategies: per-group users and completion rates (0..1), the difference with its 95% confidence interval, the p-value and test used, and the winner (or inconclusive). Without test_id: the running test, else the most recent one.',
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: { test_id: { type: 'integer', description: 'Test id (default: the running test, else the newest)', minimum: 1 } },
    additionalProperties: false,
  },
  handler({ store }, args) {
    const testId = args.test_id ?? (getActiveAbTest(store) ?? listAbTests(store)[0])?.test_id;
    if (testId === undefined) throw new Error('no A/B test has been created yet');
    const analysis = analyzeAbTest(store, testId);
    return {
      ...analysis,
      message: `${analysis.test_name} (${analysis.status}): winner ${analysis.winner} — ${analysis.recommendation}`,
    };
  },
});
