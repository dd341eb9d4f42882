-- P1: a team's shared store. Run by the team's owner (the role that runs `session-buddy team init`,
-- which needs CREATEROLE), who owns every object here. Members log in with their own roles, all in
-- the group session_buddy_member; they insert their own invocations and read only their own raw
-- rows and the aggregates below, which appear only where at least `min_members` members contribute.
-- The migration manager has created the schema and session_buddy.schema_migrations already.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'session_buddy_member') THEN
    CREATE ROLE session_buddy_member NOLOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA session_buddy TO session_buddy_member;
GRANT SELECT ON session_buddy.schema_migrations TO session_buddy_member;

-- Functions below name the calling member as (session_user::text COLLATE "default"): session_user
-- is a name, whose collation "C" would keep the member indexes (default collation) out of the plan.

-- Settings members may read: k, the team's id and the salt of session ids (the client mixes it with
-- its own store salt, so the server can never test a guessed session id).
CREATE TABLE session_buddy.settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO session_buddy.settings (key, value) VALUES
    ('min_members', '3'),
    ('rollup_chunk_events', '200000'),
    ('team_id', gen_random_uuid()::text),
    ('session_salt', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
GRANT SELECT ON session_buddy.settings TO session_buddy_member;

-- The key of members' pseudonyms: only the owner (and the functions running as the owner) read it.
CREATE TABLE session_buddy.private_settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO session_buddy.private_settings (key, value)
VALUES ('pseudonym_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- One row per invocation. The key includes the member because event ids are unique per local store
-- only, and the month (the partition key) because a partitioned table's key must contain it; a
-- repeated push computes the same minute, so ON CONFLICT DO NOTHING still sees the duplicate.
-- ins_xid is the watermark of the roll-ups (see refresh_rollups).
CREATE TABLE session_buddy.events (
    event_id bigint NOT NULL,
    member text NOT NULL DEFAULT current_user,
    session_hash text NOT NULL CHECK (length(session_hash) BETWEEN 1 AND 64),
    skill_name text NOT NULL CHECK (length(skill_name) BETWEEN 1 AND 200),
    invoked_minute timestamptz NOT NULL,
    completed boolean NOT NULL,
    duration_seconds double precision CHECK (duration_seconds >= 0),
    workflow_phase text CHECK (length(workflow_phase) <= 64),
    error_category text CHECK (length(error_category) <= 64),
    ins_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (member, event_id, invoked_minute)
) PARTITION BY RANGE (invoked_minute);
CREATE INDEX events_ins_xid ON session_buddy.events (ins_xid);

ALTER TABLE session_buddy.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_reads_own ON session_buddy.events FOR SELECT TO session_buddy_member
    USING (member = (current_user::text COLLATE "default"));
CREATE POLICY member_inserts_own ON session_buddy.events FOR INSERT TO session_buddy_member
    WITH CHECK (member = (current_user::text COLLATE "default"));
GRANT SELECT ON session_buddy.events TO session_buddy_member;
-- member and ins_xid are the server's to set: members cannot name them at all.
GRANT INSERT (event_id, session_hash, skill_name, invoked_minute, completed, duration_seconds, workflow_phase, error_category)
    ON session_buddy.events TO session_buddy_member;

-- Roll-ups, maintained by refresh_rollups from the events committed since the last run. Members
-- have no privileges on them; they read them through the functions below.
CREATE TABLE session_buddy.rollup_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    xid_done xid8 NOT NULL DEFAULT '0',
    refreshed_at timestamptz,
    rebuild boolean NOT NULL DEFAULT false,
    sessions bigint NOT NULL DEFAULT 0
);
INSERT INTO session_buddy.rollup_state DEFAULT VALUES;

CREATE TABLE session_buddy.skill_day (
    skill_name text NOT NULL,
    day date NOT NULL,
    runs bigint NOT NULL,
    completed bigint NOT NULL,
    duration_sum double precision NOT NULL,
    duration_n bigint NOT NULL,
    PRIMARY KEY (skill_name, day)
);

CREATE TABLE session_buddy.member_skill (
    member text NOT NULL,
    skill_name text NOT NULL,
    runs bigint NOT NULL,
    completed bigint NOT NULL,
    first_day date NOT NULL,
    PRIMARY KEY (member, skill_name)
);
CREATE INDEX member_skill_by_skill ON session_buddy.member_skill (skill_name, member) WHERE completed > 0;

-- Members per skill and completion-rate percent (0..100, floor): a member's percentile among the
-- skill's members is read from here in one index range, however many members there are.
CREATE TABLE session_buddy.skill_rate_members (
    skill_name text NOT NULL,
    rate_percent smallint NOT NULL,
    members integer NOT NULL,
    PRIMARY KEY (skill_name, rate_percent)
);

CREATE TABLE session_buddy.skill_totals (
    skill_name text PRIMARY KEY,
    members integer NOT NULL,
    runs bigint NOT NULL,
    completed bigint NOT NULL
);

-- Each member's Jaccard set, the skills they completed at least once, as a bit string (bit i − 1 for
-- skill id i), so similar members are one pass of bit_count(a & b) over the members instead of a
-- join over everyone's skills. All strings have the same length, a multiple of 64 past the largest
-- skill id, so they combine without padding; a refresh that passes it lengthens them all.
CREATE TABLE session_buddy.skill_ids (
    skill_name text PRIMARY KEY,
    id integer GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE session_buddy.member_bits (
    member text PRIMARY KEY,
    bits bit varying NOT NULL,
    skills integer NOT NULL
);

-- The median and p90 of each skill's completed durations, recomputed for the skills a refresh touches.
CREATE TABLE session_buddy.skill_quantiles (
    skill_name text PRIMARY KEY,
    median_seconds double precision,
    p90_seconds double precision
);

-- Completed runs' durations in logarithmic buckets (20 per factor e, so a quantile read from the
-- bucket's middle is within 2.5 % of the exact one): medians and p90s without keeping every value.
CREATE TABLE session_buddy.skill_duration (
    skill_name text NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (skill_name, bucket)
);

CREATE TABLE session_buddy.team_sessions (
    session_hash text PRIMARY KEY
);
CREATE TABLE session_buddy.session_skill (
    session_hash text NOT NULL,
    skill_name text NOT NULL,
    PRIMARY KEY (session_hash, skill_name)
);
CREATE TABLE session_buddy.skill_sessions (
    skill_name text PRIMARY KEY,
    sessions bigint NOT NULL
);
CREATE TABLE session_buddy.skill_pairs (
    skill_a text NOT NULL,
    skill_b text NOT NULL CHECK (skill_a < skill_b),
    sessions bigint NOT NULL,
    PRIMARY KEY (skill_a, skill_b)
);

-- Creates the month's partition of events on first use. Runs as the owner so that members need no
-- DDL rights; the range check keeps a wrong clock from creating partitions far in the future.
CREATE FUNCTION session_buddy.ensure_month(at_minute timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
DECLARE
  month_start timestamp := date_trunc('month', at_minute AT TIME ZONE 'UTC');
  part text := 'events_' || to_char(month_start, 'YYYY_MM');
BEGIN
  IF month_start < timestamp '2000-01-01' OR month_start > (now() AT TIME ZONE 'UTC') + interval '2 months' THEN
    RAISE EXCEPTION 'invocation time % is out of range', at_minute USING ERRCODE = '22008';
  END IF;
  IF to_regclass('session_buddy.' || part) IS NOT NULL THEN
    RETURN;
  END IF;
  -- Pushers racing for a new month queue here; the losers find the winner's table (the catalog
  -- lookup above may not see it yet inside this statement, hence the handler).
  PERFORM pg_advisory_xact_lock(hashtext('session_buddy.ensure_month'));
  BEGIN
    EXECUTE format('CREATE TABLE session_buddy.%I PARTITION OF session_buddy.events FOR VALUES FROM (%L) TO (%L)',
                   part, month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
  EXCEPTION WHEN duplicate_table THEN
    NULL;
  END;
END
$$;

CREATE FUNCTION session_buddy.duration_bucket(seconds double precision) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(ln(greatest(seconds, 0.001)) * 20)::integer $$;

CREATE FUNCTION session_buddy.rate_percent(completed bigint, runs bigint) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$ SELECT (100 * completed / greatest(runs, 1))::smallint $$;

-- Folds the events committed since the last run into the roll-ups. Whichever client gets the
-- advisory lock runs it, at most once per min_interval (members cannot go below a minute); the
-- others return at once. The watermark is a transaction id: every transaction below the snapshot's
-- xmin has finished, so the events between the last xmin and this one are complete and are folded
-- exactly once, however pushes interleave. One run folds about rollup_chunk_events (200,000) events, in whole transactions,
-- and says 'more pending' when a backlog remains, so that a run stays within a client's statement limit.
CREATE FUNCTION session_buddy.refresh_rollups(min_interval interval DEFAULT interval '1 minute') RETURNS text
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

CREATE FUNCTION session_buddy.min_members() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT greatest(value::integer, 1) FROM settings WHERE key = 'min_members'
$$;

-- A member's stable pseudonym in this team: 64 hex digits, keyed so members cannot compute it from a name.
CREATE FUNCTION session_buddy.pseudonym(member_name text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT encode(sha256(convert_to(value || ':' || member_name, 'UTF8')), 'hex') FROM private_settings WHERE key = 'pseudonym_key'
$$;

-- Per skill that at least k members use: members, runs, completion rate (0..1), median and p90 of
-- completed runs' durations, and the caller's percentile among the members: 100 × the other members
-- whose completion rate (in whole percent) is at most the caller's / (members − 1); NULL when the
-- caller never ran it. Every part is read from a roll-up, so the cost does not grow with the events.
CREATE FUNCTION session_buddy.team_baselines()
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

-- The members most similar to the caller: Jaccard over the sets of skills each has completed.
-- Internal (members get pseudonyms through the two functions after it); empty while the team has
-- fewer than k members, so a neighbour cannot be singled out.
CREATE FUNCTION session_buddy.neighbours(max_rows integer)
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

CREATE FUNCTION session_buddy.similar_members(max_rows integer DEFAULT 10)
RETURNS TABLE (member_pseudonym text, similarity double precision, common_skills integer, skill_count integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT pseudonym(n.member), n.similarity, n.common_skills, n.skill_count FROM neighbours(max_rows) n
$$;

-- What the nearest members do with skills at least k members use: per-member totals (never their
-- rows), which the client turns into collaborative recommendations.
CREATE FUNCTION session_buddy.similar_member_skills(max_rows integer DEFAULT 10)
RETURNS TABLE (member_pseudonym text, skill_name text, runs bigint, completed bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT pseudonym(n.member), m.skill_name, m.runs, m.completed
  FROM neighbours(max_rows) n
  JOIN member_skill m ON m.member = n.member
  JOIN skill_totals t ON t.skill_name = m.skill_name AND t.members >= min_members()
  ORDER BY 1, 2
$$;

-- Lift over team sessions, P(A∧B) / (P(A)·P(B)) = co·N / (n(A)·n(B)), for pairs of skills at least k members use.
CREATE FUNCTION session_buddy.team_dependencies(min_sessions integer DEFAULT 2)
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

-- `team leave --delete`: the caller's rows go at once; the roll-ups are rebuilt without them by the
-- owner's next `team init` (until then they still count the rows in their totals).
CREATE FUNCTION session_buddy.forget_me() RETURNS bigint
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

-- `team add-member`: the owner's own function (members cannot run it); identifiers and the password
-- are quoted by format(), never pasted into SQL by the client.
CREATE FUNCTION session_buddy.add_member(member_name text, member_password text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF member_name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'member names are lower-case letters, digits and _ (at most 63), starting with a letter' USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = member_name) THEN
    EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', member_name, member_password);
    EXECUTE format('GRANT session_buddy_member TO %I', member_name);
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE session_buddy_member', member_name, member_password);
  END IF;
END
$$;

-- Dashboards (grafana/team-dashboard.json): aggregates over skills at least k members use.
CREATE VIEW session_buddy.team_skill_completion AS
  SELECT t.skill_name, t.members, t.runs, t.completed::double precision / t.runs AS completion_rate
  FROM session_buddy.skill_totals t WHERE t.members >= session_buddy.min_members() AND t.runs > 0;

CREATE VIEW session_buddy.team_skill_days AS
  SELECT d.skill_name, d.day, d.runs, d.completed::double precision / d.runs AS completion_rate,
         CASE WHEN d.duration_n > 0 THEN d.duration_sum / d.duration_n END AS mean_duration_seconds
  FROM session_buddy.skill_day d JOIN session_buddy.team_skill_completion c ON c.skill_name = d.skill_name;

CREATE VIEW session_buddy.team_adoption AS
  SELECT m.skill_name, m.first_day AS day, count(*) AS new_members
  FROM session_buddy.member_skill m JOIN session_buddy.team_skill_completion c ON c.skill_name = m.skill_name
  GROUP BY m.skill_name, m.first_day;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA session_buddy FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_buddy.ensure_month(timestamptz), session_buddy.refresh_rollups(interval),
    session_buddy.team_baselines(), session_buddy.similar_members(integer), session_buddy.similar_member_skills(integer),
    session_buddy.team_dependencies(integer), session_buddy.forget_me(), session_buddy.min_members()
    TO session_buddy_member;
GRANT SELECT ON session_buddy.team_skill_completion, session_buddy.team_skill_days, session_buddy.team_adoption TO session_buddy_member;
