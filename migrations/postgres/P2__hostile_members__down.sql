-- Reverts P2: P1's constraints, key, roll-ups, functions and views (as P1 defined them), with the
-- roll-ups marked for a rebuild. The rows P2 moved aside go back into events, as P1 had them. Runs
-- of two machines of one member that only the store id told apart share one P1 key: the one sent
-- last goes (P1 could not hold both).
DROP TRIGGER admit_events ON session_buddy.events;

CREATE OR REPLACE VIEW session_buddy.team_skill_completion AS
  SELECT t.skill_name, t.members, t.runs, t.completed::double precision / t.runs AS completion_rate
  FROM session_buddy.skill_totals t WHERE t.members >= session_buddy.min_members() AND t.runs > 0;

CREATE OR REPLACE VIEW session_buddy.team_skill_days AS
  SELECT d.skill_name, d.day, d.runs, d.completed::double precision / d.runs AS completion_rate,
         CASE WHEN d.duration_n > 0 THEN d.duration_sum / d.duration_n END AS mean_duration_seconds
  FROM session_buddy.skill_day d JOIN session_buddy.team_skill_completion c ON c.skill_name = d.skill_name;

CREATE OR REPLACE VIEW session_buddy.team_adoption AS
  SELECT m.skill_name, m.first_day AS day, count(*) AS new_members
  FROM session_buddy.member_skill m JOIN session_buddy.team_skill_completion c ON c.skill_name = m.skill_name
  GROUP BY m.skill_name, m.first_day;

CREATE OR REPLACE FUNCTION session_buddy.duration_bucket(seconds double precision) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(ln(greatest(seconds, 0.001)) * 20)::integer $$;

CREATE OR REPLACE FUNCTION session_buddy.refresh_rollups(min_interval interval DEFAULT interval '1 minute') RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp
-- Its statements are short; compiling them (JIT) cost more than running them.
SET jit = off AS $$
DECLARE
  upto xid8 := pg_snapshot_xmin(pg_current_snapshot());
  state rollup_state%ROWTYPE;
  folded bigint;
  new_sessions bigint;
  width integer;
  touched text[];
  chunk_end xid8;
  more boolean := false;
BEGIN
  IF min_interval < interval '1 minute' AND NOT pg_has_role(session_user, current_user, 'USAGE') THEN
    min_interval := interval '1 minute';
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtext('session_buddy.refresh_rollups')) THEN
    RETURN 'busy';
  END IF;
  SELECT * INTO state FROM rollup_state;
  -- A rebuild reads every event (minutes at millions): the owner's `team init` runs it, without
  -- the statement time limit a member's client sets.
  IF state.rebuild AND NOT pg_has_role(session_user, current_user, 'USAGE') THEN
    RETURN 'rebuild pending (the owner runs session-buddy team init)';
  END IF;
  IF NOT state.rebuild AND state.refreshed_at > now() - min_interval THEN
    RETURN 'recent';
  END IF;
  IF state.rebuild THEN
    TRUNCATE skill_day, member_skill, skill_rate_members, skill_totals, member_bits, skill_quantiles, skill_duration, team_sessions, session_skill, skill_sessions, skill_pairs;
    state.xid_done := '0';
    state.sessions := 0;
  END IF;

  SELECT e.ins_xid INTO chunk_end FROM events e WHERE e.ins_xid >= state.xid_done AND e.ins_xid < upto ORDER BY e.ins_xid
    OFFSET (SELECT value::bigint FROM settings WHERE key = 'rollup_chunk_events') LIMIT 1;
  IF chunk_end IS NOT NULL THEN
    -- A single transaction larger than a chunk is folded whole: the chunk ends after it.
    IF chunk_end <= state.xid_done THEN
      SELECT min(e.ins_xid) INTO chunk_end FROM events e WHERE e.ins_xid > state.xid_done AND e.ins_xid < upto;
    END IF;
    IF chunk_end IS NOT NULL THEN
      upto := chunk_end;
      more := true;
    END IF;
  END IF;

  DROP TABLE IF EXISTS pg_temp.rollup_batch, pg_temp.rollup_new_pairs, pg_temp.rollup_touched;
  CREATE TEMP TABLE rollup_batch ON COMMIT DROP AS
    SELECT member, session_hash, skill_name, invoked_minute, completed, duration_seconds
    FROM events WHERE ins_xid >= state.xid_done AND ins_xid < upto;
  GET DIAGNOSTICS folded = ROW_COUNT;
  ANALYZE rollup_batch;

  -- The (member, skill) pairs this batch changes, with their rate bucket before it.
  CREATE TEMP TABLE rollup_touched ON COMMIT DROP AS
    SELECT b.member, b.skill_name, rate_percent(m.completed, m.runs) AS old_percent
    FROM (SELECT DISTINCT member, skill_name FROM rollup_batch) b
    LEFT JOIN member_skill m ON m.member = b.member AND m.skill_name = b.skill_name;

  INSERT INTO skill_day AS d (skill_name, day, runs, completed, duration_sum, duration_n)
  SELECT skill_name, (invoked_minute AT TIME ZONE 'UTC')::date, count(*), count(*) FILTER (WHERE completed),
         coalesce(sum(duration_seconds) FILTER (WHERE completed), 0), count(duration_seconds) FILTER (WHERE completed)
  FROM rollup_batch GROUP BY 1, 2
  ON CONFLICT (skill_name, day) DO UPDATE SET runs = d.runs + EXCLUDED.runs, completed = d.completed + EXCLUDED.completed,
    duration_sum = d.duration_sum + EXCLUDED.duration_sum, duration_n = d.duration_n + EXCLUDED.duration_n;

  INSERT INTO skill_ids (skill_name) SELECT DISTINCT skill_name FROM rollup_batch ORDER BY 1 ON CONFLICT DO NOTHING;

  WITH changed AS (
    INSERT INTO member_skill AS m (member, skill_name, runs, completed, first_day)
    SELECT member, skill_name, count(*), count(*) FILTER (WHERE completed), min((invoked_minute AT TIME ZONE 'UTC')::date)
    FROM rollup_batch GROUP BY 1, 2
    ON CONFLICT (member, skill_name) DO UPDATE SET runs = m.runs + EXCLUDED.runs, completed = m.completed + EXCLUDED.completed,
      first_day = least(m.first_day, EXCLUDED.first_day)
    RETURNING m.skill_name, (xmax = 0) AS is_new)
  INSERT INTO skill_totals AS s (skill_name, members, runs, completed)
  SELECT c.skill_name, count(*) FILTER (WHERE c.is_new), 0, 0 FROM changed c GROUP BY 1
  ON CONFLICT (skill_name) DO UPDATE SET members = s.members + EXCLUDED.members;

  INSERT INTO skill_rate_members AS r (skill_name, rate_percent, members)
  SELECT skill_name, rate_percent, sum(delta) FROM (
    SELECT skill_name, old_percent AS rate_percent, -1 AS delta FROM rollup_touched WHERE old_percent IS NOT NULL
    UNION ALL
    SELECT t.skill_name, rate_percent(m.completed, m.runs), 1 FROM rollup_touched t
    JOIN member_skill m ON m.member = t.member AND m.skill_name = t.skill_name) d
  GROUP BY 1, 2
  ON CONFLICT (skill_name, rate_percent) DO UPDATE SET members = r.members + EXCLUDED.members;

  UPDATE skill_totals s SET runs = s.runs + b.runs, completed = s.completed + b.completed
  FROM (SELECT skill_name, count(*) AS runs, count(*) FILTER (WHERE completed) AS completed FROM rollup_batch GROUP BY 1) b
  WHERE s.skill_name = b.skill_name;

  -- The sets of the members who completed something in this batch, rebuilt from member_skill.
  width := ((SELECT max(id) FROM skill_ids) + 63) / 64 * 64;
  UPDATE member_bits SET bits = rpad(bits::text, width, '0')::varbit WHERE length(bits) < width;
  WITH sets AS (
    SELECT m.member, array_agg(k.id) AS ids
    FROM member_skill m JOIN skill_ids k ON k.skill_name = m.skill_name
    WHERE m.completed > 0 AND m.member IN (SELECT member FROM rollup_batch WHERE completed)
    GROUP BY m.member)
  INSERT INTO member_bits AS b (member, bits, skills)
  SELECT s.member, (SELECT string_agg(CASE WHEN g = ANY (s.ids) THEN '1' ELSE '0' END, '' ORDER BY g) FROM generate_series(1, width) g)::varbit,
         cardinality(s.ids)
  FROM sets s
  ON CONFLICT (member) DO UPDATE SET bits = EXCLUDED.bits, skills = EXCLUDED.skills;

  INSERT INTO skill_duration AS h (skill_name, bucket, n)
  SELECT skill_name, duration_bucket(duration_seconds), count(*) FROM rollup_batch
  WHERE completed AND duration_seconds IS NOT NULL GROUP BY 1, 2
  ON CONFLICT (skill_name, bucket) DO UPDATE SET n = h.n + EXCLUDED.n;

  -- A quantile is the middle of the first bucket whose running count reaches q of the total.
  INSERT INTO skill_quantiles AS q (skill_name, median_seconds, p90_seconds)
  SELECT h.skill_name, exp((min(h.bucket) FILTER (WHERE h.below >= 0.5 * h.total) + 0.5) / 20.0),
         exp((min(h.bucket) FILTER (WHERE h.below >= 0.9 * h.total) + 0.5) / 20.0)
  FROM (SELECT d.skill_name, d.bucket, sum(d.n) OVER (PARTITION BY d.skill_name ORDER BY d.bucket) AS below, sum(d.n) OVER (PARTITION BY d.skill_name) AS total
        FROM skill_duration d WHERE d.skill_name IN (SELECT skill_name FROM rollup_batch WHERE completed)) h
  GROUP BY h.skill_name
  ON CONFLICT (skill_name) DO UPDATE SET median_seconds = EXCLUDED.median_seconds, p90_seconds = EXCLUDED.p90_seconds;

  INSERT INTO team_sessions SELECT DISTINCT session_hash FROM rollup_batch ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS new_sessions = ROW_COUNT;

  CREATE TEMP TABLE rollup_new_pairs (session_hash text, skill_name text, PRIMARY KEY (session_hash, skill_name)) ON COMMIT DROP;
  WITH added AS (
    INSERT INTO session_skill SELECT DISTINCT session_hash, skill_name FROM rollup_batch ON CONFLICT DO NOTHING
    RETURNING session_hash, skill_name)
  INSERT INTO rollup_new_pairs SELECT session_hash, skill_name FROM added;

  -- Planned from real counts: the pair join must look sessions up by key, not scan them all.
  ANALYZE rollup_new_pairs;

  INSERT INTO skill_sessions AS k (skill_name, sessions)
  SELECT skill_name, count(*) FROM rollup_new_pairs GROUP BY 1
  ON CONFLICT (skill_name) DO UPDATE SET sessions = k.sessions + EXCLUDED.sessions;

  -- A pair is new when one of its (session, skill) rows is new; a pair of two new rows is seen from
  -- both sides, so it counts from its smaller skill only. The sessions are looked up by key (an
  -- array the planner sees), never by scanning every session the team ever had.
  SELECT array_agg(DISTINCT session_hash) INTO touched FROM rollup_new_pairs;
  INSERT INTO skill_pairs AS p (skill_a, skill_b, sessions)
  SELECT least(n.skill_name, s.skill_name), greatest(n.skill_name, s.skill_name), count(*)
  FROM rollup_new_pairs n
  JOIN session_skill s ON s.session_hash = n.session_hash AND s.skill_name <> n.skill_name AND s.session_hash = ANY (touched)
  LEFT JOIN rollup_new_pairs o ON o.session_hash = s.session_hash AND o.skill_name = s.skill_name
  WHERE o.session_hash IS NULL OR n.skill_name < s.skill_name
  GROUP BY 1, 2
  ON CONFLICT (skill_a, skill_b) DO UPDATE SET sessions = p.sessions + EXCLUDED.sessions;

  -- With a backlog left the clock stays, so that the next call goes on at once.
  UPDATE rollup_state SET xid_done = upto, refreshed_at = CASE WHEN more THEN state.refreshed_at ELSE now() END, rebuild = false,
    sessions = state.sessions + new_sessions;
  RETURN format('folded %s event(s)%s', folded, CASE WHEN more THEN ', more pending' ELSE '' END);
END
$$;

CREATE OR REPLACE FUNCTION session_buddy.team_baselines()
RETURNS TABLE (skill_name text, members integer, runs bigint, completion_rate double precision,
               median_seconds double precision, p90_seconds double precision, my_percentile double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  WITH visible AS (SELECT * FROM skill_totals t WHERE t.members >= min_members() AND t.runs > 0),
  mine AS (
    SELECT m.skill_name, sum(r.members) FILTER (WHERE r.rate_percent <= rate_percent(m.completed, m.runs)) AS at_most
    FROM member_skill m JOIN skill_rate_members r ON r.skill_name = m.skill_name
    WHERE m.member = (session_user::text COLLATE "default") GROUP BY m.skill_name)
  SELECT v.skill_name, v.members, v.runs, v.completed::double precision / v.runs,
         q.median_seconds, q.p90_seconds,
         CASE WHEN mine.skill_name IS NULL THEN NULL WHEN v.members = 1 THEN 100.0 ELSE 100.0 * (mine.at_most - 1) / (v.members - 1) END
  FROM visible v
  LEFT JOIN skill_quantiles q ON q.skill_name = v.skill_name
  LEFT JOIN mine ON mine.skill_name = v.skill_name
  ORDER BY v.skill_name
$$;

CREATE OR REPLACE FUNCTION session_buddy.neighbours(max_rows integer)
RETURNS TABLE (member text, similarity double precision, common_skills integer, skill_count integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  WITH mine AS (SELECT b.bits, b.skills FROM member_bits b WHERE b.member = (session_user::text COLLATE "default")),
  common AS (
    SELECT o.member, o.skills, bit_count(o.bits & mine.bits)::integer AS c
    FROM member_bits o, mine WHERE o.member <> (session_user::text COLLATE "default"))
  SELECT c.member, c.c::double precision / (c.skills + mine.skills - c.c), c.c, c.skills
  FROM common c, mine
  WHERE c.c > 0 AND (SELECT count(*) FROM member_bits) >= min_members()
  ORDER BY 2 DESC, c.member
  LIMIT least(greatest(max_rows, 1), 100)
$$;

CREATE OR REPLACE FUNCTION session_buddy.similar_member_skills(max_rows integer DEFAULT 10)
RETURNS TABLE (member_pseudonym text, skill_name text, runs bigint, completed bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT pseudonym(n.member), m.skill_name, m.runs, m.completed
  FROM neighbours(max_rows) n
  JOIN member_skill m ON m.member = n.member
  JOIN skill_totals t ON t.skill_name = m.skill_name AND t.members >= min_members()
  ORDER BY 1, 2
$$;

CREATE OR REPLACE FUNCTION session_buddy.team_dependencies(min_sessions integer DEFAULT 2)
RETURNS TABLE (skill_a text, skill_b text, co_occurrence_count bigint, lift_score double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT p.skill_a, p.skill_b, p.sessions, p.sessions::double precision * st.sessions / (a.sessions * b.sessions)
  FROM skill_pairs p
  JOIN skill_sessions a ON a.skill_name = p.skill_a
  JOIN skill_sessions b ON b.skill_name = p.skill_b
  JOIN skill_totals ta ON ta.skill_name = p.skill_a AND ta.members >= min_members()
  JOIN skill_totals tb ON tb.skill_name = p.skill_b AND tb.members >= min_members()
  CROSS JOIN rollup_state st
  WHERE p.sessions >= greatest(min_sessions, 1)
  ORDER BY 4 DESC, 1, 2
$$;

CREATE OR REPLACE FUNCTION session_buddy.forget_me() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
DECLARE
  removed bigint;
BEGIN
  DELETE FROM events WHERE member = (session_user::text COLLATE "default");
  GET DIAGNOSTICS removed = ROW_COUNT;
  UPDATE rollup_state SET rebuild = true;
  RETURN removed;
END
$$;

DROP FUNCTION session_buddy.admit_events(), session_buddy.my_quota(), session_buddy.visible_skills(), session_buddy.fold_events(boolean),
    session_buddy.fold_sessions(integer), session_buddy.fold_durations(), session_buddy.fold_member_bits(), session_buddy.fold_member_skills(),
    session_buddy.fold_skill_days(integer), session_buddy.released(text[]), session_buddy.reader(), session_buddy.some_members(text[], text[], integer);
DROP TABLE session_buddy.member_quota, session_buddy.member_names,
    session_buddy.member_day_rows, session_buddy.session_skill, session_buddy.team_sessions;
CREATE TABLE session_buddy.team_sessions (
    session_hash text PRIMARY KEY
);
CREATE TABLE session_buddy.session_skill (
    session_hash text NOT NULL,
    skill_name text NOT NULL,
    PRIMARY KEY (session_hash, skill_name)
);
ALTER TABLE session_buddy.skill_pairs DROP COLUMN some_members;
DROP INDEX session_buddy.skill_totals_by_members;
ALTER TABLE session_buddy.skill_totals DROP COLUMN completers;
ALTER TABLE session_buddy.skill_day DROP COLUMN some_members;
ALTER TABLE session_buddy.rollup_state DROP COLUMN bits_width, DROP COLUMN last_error, DROP COLUMN last_error_at;
UPDATE session_buddy.rollup_state SET rebuild = true;

ALTER TABLE session_buddy.events
    DROP CONSTRAINT event_id_in_range,
    DROP CONSTRAINT store_id_is_hex,
    DROP CONSTRAINT session_hash_is_hex,
    DROP CONSTRAINT skill_name_rules,
    DROP CONSTRAINT invoked_minute_rules,
    DROP CONSTRAINT duration_in_range,
    DROP CONSTRAINT workflow_phase_known,
    DROP CONSTRAINT error_category_is_a_word,
    ADD CONSTRAINT events_session_hash_check CHECK (length(session_hash) BETWEEN 1 AND 64),
    ADD CONSTRAINT events_skill_name_check CHECK (length(skill_name) BETWEEN 1 AND 200),
    ADD CONSTRAINT events_duration_seconds_check CHECK (duration_seconds >= 0),
    ADD CONSTRAINT events_workflow_phase_check CHECK (length(workflow_phase) <= 64),
    ADD CONSTRAINT events_error_category_check CHECK (length(error_category) <= 64);
INSERT INTO session_buddy.events (event_id, member, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase, error_category, ins_xid, store_id)
SELECT event_id, member, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase, error_category, ins_xid, store_id
FROM session_buddy.events_refused;
DROP TABLE session_buddy.events_refused;
DELETE FROM session_buddy.events e USING session_buddy.events f
WHERE e.member = f.member AND e.event_id = f.event_id AND e.invoked_minute = f.invoked_minute AND e.ins_xid > f.ins_xid;
ALTER TABLE session_buddy.events DROP CONSTRAINT events_pkey;
ALTER TABLE session_buddy.events DROP COLUMN store_id;
ALTER TABLE session_buddy.events ADD PRIMARY KEY (member, event_id, invoked_minute);

DELETE FROM session_buddy.settings WHERE key IN ('member_rows_per_day', 'member_skill_names', 'session_pair_skills', 'forget_me_interval');
