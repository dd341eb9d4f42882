DROP INDEX IF EXISTS idx_skill_sessions_user;
DROP TABLE IF EXISTS skill_sessions;
