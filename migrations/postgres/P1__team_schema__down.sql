-- Reverts P1: every object of the team store except the migration manager's own table. The group
-- role session_buddy_member and the members' login roles belong to the whole cluster and may serve
-- other databases, so they stay; the owner drops them with DROP ROLE when no database uses them.
DROP VIEW IF EXISTS session_buddy.team_adoption, session_buddy.team_skill_days, session_buddy.team_skill_completion;
DROP FUNCTION IF EXISTS session_buddy.add_member(text, text), session_buddy.forget_me(), session_buddy.team_dependencies(integer),
    session_buddy.similar_member_skills(integer), session_buddy.similar_members(integer), session_buddy.neighbours(integer),
    session_buddy.team_baselines(), session_buddy.pseudonym(text), session_buddy.rate_percent(bigint, bigint),
    session_buddy.min_members(), session_buddy.refresh_rollups(interval), session_buddy.duration_bucket(double precision),
    session_buddy.ensure_month(timestamptz);
DROP TABLE IF EXISTS session_buddy.skill_pairs, session_buddy.skill_sessions, session_buddy.session_skill, session_buddy.team_sessions,
    session_buddy.skill_duration, session_buddy.member_bits, session_buddy.skill_ids, session_buddy.skill_quantiles, session_buddy.skill_totals, session_buddy.skill_rate_members, session_buddy.member_skill,
    session_buddy.skill_day, session_buddy.rollup_state, session_buddy.events, session_buddy.private_settings, session_buddy.settings;
REVOKE ALL ON SCHEMA session_buddy FROM session_buddy_member;
REVOKE ALL ON session_buddy.schema_migrations FROM session_buddy_member;
