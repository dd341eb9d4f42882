-- V13: each skill's runs that have a duration, and the sum of those durations, kept with the other
-- counters as runs are applied (src/core/store/counters.ts) and recounted when runs are removed. A
-- skill's mean duration (metrics, the agent tools) is then read, not averaged over its runs: the top
-- ten skills' averages took 100-150 ms of the first metrics answer at a million runs.
CREATE TABLE skill_duration_totals (
  skill_name TEXT PRIMARY KEY,
  timed_runs INTEGER NOT NULL DEFAULT 0,
  duration_sum REAL NOT NULL DEFAULT 0
);
INSERT INTO skill_duration_totals (skill_name, timed_runs, duration_sum)
  SELECT skill_name, COUNT(duration_seconds), COALESCE(SUM(duration_seconds), 0) FROM skill_invocation GROUP BY skill_name;
