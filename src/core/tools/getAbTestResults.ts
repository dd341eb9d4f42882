import { analyzeAbTest, findAbTest, getActiveAbTest, listAbTests } from '../analytics/abTesting';
import { defineTool } from './tool';

interface Args {
  test?: string;
  test_id?: number;
}

export const getAbTestResultsTool = defineTool<Args>({
  name: 'get_ab_test_results',
  title: 'A/B test results',
  description:
    'Results of an A/B test of recommendation strategies: per-group users, completion rates (0..1) and click-through (chosen_from_list_rate: the share of the runs of each user started from the Recommendations list, 0..1, and mean_chosen_rank, the mean place chosen), the difference with its 95% confidence interval, the p-value and test used, and the winner (or inconclusive). Name the test by `test` (its name) or `test_id`; without either: the running test, else the most recent one.',
  writes: 'never',
  inputSchema: {
    type: 'object',
    properties: {
      test: { type: 'string', description: 'Test name, as shown by the A/B commands (default: the running test, else the newest)', minLength: 1, maxLength: 200 },
      test_id: { type: 'integer', description: 'Test id, instead of the name', minimum: 1 },
    },
    additionalProperties: false,
  },
  handler({ store }, args) {
    if (args.test !== undefined && args.test_id !== undefined) throw new Error('give either test (the name) or test_id, not both');
    const named = args.test ?? args.test_id;
    const testId = named !== undefined ? findAbTest(store, named).test_id : (getActiveAbTest(store) ?? listAbTests(store)[0])?.test_id;
    if (testId === undefined) throw new Error('no A/B test has been created yet');
    const analysis = analyzeAbTest(store, testId);
    return {
      ...analysis,
      message: `${analysis.test_name} (${analysis.status}): winner ${analysis.winner} — ${analysis.recommendation}`,
    };
  },
});
