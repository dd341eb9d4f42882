-- V13 down: the totals go; means are averaged over the runs again. No run changes.
DROP TABLE IF EXISTS skill_duration_totals;
