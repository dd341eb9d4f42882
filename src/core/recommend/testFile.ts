/** Test files by the naming conventions of the common test runners (pytest, jest/vitest/mocha, go, rust). */
const TEST_NAME = /(^test_.*\.py$)|(_test\.(py|go)$)|(\.(test|spec)\.[cm]?[jt]sx?$)/i;
const TEST_FOLDER = /(^|[\\/])(tests?|__tests__|spec)[\\/]/i;

/** Whether a file looks like a test, from its path alone (the path is only looked at, never stored). */
export function isTestFileName(filePath: string): boolean {
  const name = filePath.split(/[\\/]/).pop() ?? '';
  return TEST_NAME.test(name) || TEST_FOLDER.test(filePath);
}
