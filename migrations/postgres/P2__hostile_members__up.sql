-- P2: the team store holds against a hostile or broken member. The server trusts no client:
--   * what cannot be true is refused by constraints on session_buddy.events itself (and a
--     statement trigger for what depends on the server's clock), whoever inserts it; rows P1
--     accepted that break them are moved to events_refused, not lost;
--   * per-member quotas (rows per day, distinct skill names) refuse an insert past them;
--   * a roll-up's cost per new event does not grow with the number of names or members: only
--     skills two members completed take a bit in the similarity strings, and co-occurrence counts
--     the first session_pair_skills skills of a session;
--   * every released cell counts at least k members other than the reader (docs/team.md);
--   * a roll-up that fails says so, keeps its place and never stops on a row in the table;
--   * forget_me() is rate-limited and no longer stops the members' roll-ups until a rebuild;
--   * the event key holds a per-store id, so two machines of one member never collide.
-- The roll-ups change shape, so they are rebuilt by the owner's `team init` that applies this.

-- Owner-set limits (documented in docs/team.md), readable by members.
INSERT INTO session_buddy.settings (key, value) VALUES
    ('member_rows_per_day', '200000'),
    ('member_skill_names', '2000'),
    ('session_pair_skills', '20'),
    ('forget_me_interval', '1 hour');

-- The per-store id: '' only for rows a P1 client sent, whose key had none.
ALTER TABLE session_buddy.events ADD COLUMN store_id text NOT NULL DEFAULT '';
ALTER TABLE session_buddy.events DROP CONSTRAINT events_pkey;
ALTER TABLE session_buddy.events ADD PRIMARY KEY (member, store_id, event_id, invoked_minute);
GRANT INSERT (store_id) ON session_buddy.events TO session_buddy_member;

-- The client's own rules (src/core/limits.ts, validation.ts, team/shared.ts), one named
-- constraint each so that a refusal names what was wrong. NaN is greater than every number in
-- PostgreSQL, so a range with an upper bound refuses it, and infinity, too. Hex is checked with
-- translate(), which costs a third of what the regular expression did per row.
ALTER TABLE session_buddy.events
    DROP CONSTRAINT events_session_hash_check,
    DROP CONSTRAINT events_skill_name_check,
    DROP CONSTRAINT events_duration_seconds_check,
    DROP CONSTRAINT events_workflow_phase_check,
    DROP CONSTRAINT events_error_category_check,
    ADD CONSTRAINT event_id_in_range CHECK (event_id BETWEEN 1 AND 9007199254740991) NOT VALID,
    ADD CONSTRAINT store_id_is_hex CHECK (store_id = '' OR (length(store_id) = 16 AND translate(store_id, '0123456789abcdef', '') = '')) NOT VALID,
    ADD CONSTRAINT session_hash_is_hex CHECK (length(session_hash) = 32 AND translate(session_hash, '0123456789abcdef', '') = '') NOT VALID,
    ADD CONSTRAINT skill_name_rules CHECK (length(skill_name) BETWEEN 1 AND 200 AND skill_name !~ '[\x01-\x1f\x7f]' AND skill_name !~ '^\s|\s$') NOT VALID,
    ADD CONSTRAINT invoked_minute_rules CHECK (invoked_minute >= '2000-01-01 00:00+00' AND extract(epoch FROM invoked_minute) % 60 = 0) NOT VALID,
    ADD CONSTRAINT duration_in_range CHECK (duration_seconds BETWEEN 0 AND 2592000) NOT VALID,
    ADD CONSTRAINT workflow_phase_known CHECK (workflow_phase IN ('setup', 'execution', 'verification', 'deployment', 'cleanup', 'rollback')) NOT VALID,
    ADD CONSTRAINT error_category_is_a_word CHECK (error_category ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$') NOT VALID;

-- Rows P1 let in that the constraints refuse, moved aside with the constraint's name: the owner
-- sees them, no roll-up reads them. Each constraint's own expression finds them, so there is one
-- definition of each rule.
CREATE TABLE session_buddy.events_refused (LIKE session_buddy.events, refused_because text NOT NULL, refused_at timestamptz NOT NULL DEFAULT now());
DO $$
DECLARE
  rule record;
BEGIN
  FOR rule IN SELECT conname, pg_get_expr(conbin, conrelid) AS expr FROM pg_constraint
              WHERE conrelid = 'session_buddy.events'::regclass AND contype = 'c' AND NOT convalidated ORDER BY conname LOOP
    EXECUTE format('WITH moved AS (DELETE FROM session_buddy.events WHERE NOT (%s) RETURNING *) INSERT INTO session_buddy.events_refused SELECT moved.*, %L FROM moved', rule.expr, rule.conname);
    EXECUTE format('ALTER TABLE session_buddy.events VALIDATE CONSTRAINT %I', rule.conname);
  END LOOP;
END
$$;

-- Quotas, kept as rows are inserted. member_day_rows is also each member's lock: two inserts of
-- one member queue on it, so they never deadlock on the names.
CREATE TABLE session_buddy.member_day_rows (
    member text NOT NULL,
    day date NOT NULL,
    rows bigint NOT NULL,
    PRIMARY KEY (member, day)
);
CREATE TABLE session_buddy.member_names (
    member text NOT NULL,
    skill_name text NOT NULL,
    PRIMARY KEY (member, skill_name)
);
CREATE TABLE session_buddy.member_quota (
    member text PRIMARY KEY,
    skill_names integer NOT NULL DEFAULT 0,
    forgot_at timestamptz
);
INSERT INTO session_buddy.member_names (member, skill_name) SELECT DISTINCT member, skill_name FROM session_buddy.events;
INSERT INTO session_buddy.member_quota (member, skill_names) SELECT member, count(*) FROM session_buddy.member_names GROUP BY member;

-- Checks what depends on the server's clock, and the quotas, once per statement over the rows it
-- inserted (not those ON CONFLICT skipped). The owner's own bulk loads are counted, not capped.
CREATE FUNCTION session_buddy.admit_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
DECLARE
  latest timestamptz;
  capped boolean := NOT pg_has_role(session_user, current_user, 'USAGE');
  today date := (now() AT TIME ZONE 'UTC')::date;
  rows_cap bigint := (SELECT value::bigint FROM settings WHERE key = 'member_rows_per_day');
  names_cap integer := (SELECT value::integer FROM settings WHERE key = 'member_skill_names');
  over record;
BEGIN
  SELECT max(invoked_minute) INTO latest FROM added;
  IF latest > now() + interval '1 day' THEN
    RAISE EXCEPTION 'invocation time % is more than a day ahead of the team server''s clock', latest USING ERRCODE = 'check_violation';
  END IF;
  WITH counted AS (
    INSERT INTO member_day_rows AS d (member, day, rows)
    SELECT a.member, today, count(*) FROM added a GROUP BY a.member ORDER BY a.member
    ON CONFLICT (member, day) DO UPDATE SET rows = d.rows + EXCLUDED.rows
    RETURNING d.member, d.rows)
  SELECT * INTO over FROM counted WHERE capped AND counted.rows > rows_cap LIMIT 1;
  IF over.member IS NOT NULL THEN
    RAISE EXCEPTION 'member % would have inserted % rows today, past the team''s quota of % rows per member per day', over.member, over.rows, rows_cap
      USING ERRCODE = 'program_limit_exceeded', HINT = 'the owner sets member_rows_per_day in session_buddy.settings';
  END IF;
  WITH fresh AS (
    INSERT INTO member_names (member, skill_name) SELECT DISTINCT a.member, a.skill_name FROM added a ORDER BY 1, 2
    ON CONFLICT DO NOTHING RETURNING member_names.member),
  counted AS (
    INSERT INTO member_quota AS q (member, skill_names) SELECT f.member, count(*) FROM fresh f GROUP BY f.member
    ON CONFLICT (member) DO UPDATE SET skill_names = q.skill_names + EXCLUDED.skill_names
    RETURNING q.member, q.skill_names)
  SELECT * INTO over FROM counted WHERE capped AND counted.skill_names > names_cap LIMIT 1;
  IF over.member IS NOT NULL THEN
    RAISE EXCEPTION 'member % would have % distinct skill names, past the team''s cap of % distinct skill names per member', over.member, over.skill_names, names_cap
      USING ERRCODE = 'program_limit_exceeded', HINT = 'the owner sets member_skill_names in session_buddy.settings';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER admit_events AFTER INSERT ON session_buddy.events REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION session_buddy.admit_events();

-- What a member's client needs to send within the quotas: today's rows, and the names it has.
CREATE FUNCTION session_buddy.my_quota()
RETURNS TABLE (rows_today bigint, rows_per_day bigint, skill_names text[], skill_names_cap integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT coalesce((SELECT d.rows FROM member_day_rows d WHERE d.member = (session_user::text COLLATE "default") AND d.day = (now() AT TIME ZONE 'UTC')::date), 0),
         (SELECT value::bigint FROM settings WHERE key = 'member_rows_per_day'),
         coalesce((SELECT array_agg(n.skill_name ORDER BY n.skill_name) FROM member_names n WHERE n.member = (session_user::text COLLATE "default")), '{}'),
         (SELECT value::integer FROM settings WHERE key = 'member_skill_names')
$$;

-- Roll-ups that change shape. Sessions are a member's (two members never share one, whatever
-- hashes a hostile client sends), and a session holds at most session_pair_skills skills.
ALTER TABLE session_buddy.rollup_state
    ADD COLUMN bits_width integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN last_error_at timestamptz;
UPDATE session_buddy.rollup_state SET rebuild = true;

-- Who is in a cell finer than a skill (a skill on a day, a pair of skills): every member while
-- they are at most k, then any k + 1 of them (enough to release the cell to anyone), so the list
-- stays short however many members the cell has (see some_members).
ALTER TABLE session_buddy.skill_day ADD COLUMN some_members text[] NOT NULL DEFAULT '{}';
ALTER TABLE session_buddy.skill_totals ADD COLUMN completers integer NOT NULL DEFAULT 0;
CREATE INDEX skill_totals_by_members ON session_buddy.skill_totals (members);

DROP TABLE session_buddy.session_skill, session_buddy.team_sessions;
CREATE TABLE session_buddy.team_sessions (
    member text NOT NULL,
    session_hash text NOT NULL,
    skills integer NOT NULL DEFAULT 0,
    PRIMARY KEY (member, session_hash)
);
CREATE TABLE session_buddy.session_skill (
    member text NOT NULL,
    session_hash text NOT NULL,
    skill_name text NOT NULL,
    PRIMARY KEY (member, session_hash, skill_name)
);
ALTER TABLE session_buddy.skill_pairs ADD COLUMN some_members text[] NOT NULL DEFAULT '{}';

-- The caller, in the default collation: session_user is a name, whose collation "C" would keep
-- the member indexes out of the plan.
CREATE FUNCTION session_buddy.reader() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT session_user::text COLLATE "default" $$;

-- The members of a cell as the release rule needs them: all of `known` and `more` while they are
-- fewer than `track` (k + 1), else `track` of them, which release it to anyone. Lowering k later
-- keeps this exact; raising it can only hide cells, until the owner's `team init` rebuilds.
CREATE FUNCTION session_buddy.some_members(known text[], more text[], track integer) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN cardinality(known) >= track THEN known
    ELSE (SELECT array_agg(m ORDER BY m) FROM (SELECT DISTINCT m FROM unnest(known || more) m ORDER BY m LIMIT track) x) END
$$;

CREATE OR REPLACE FUNCTION session_buddy.duration_bucket(seconds double precision) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(ln(least(greatest(seconds, 0.001), 2592000)) * 20)::integer $$;

-- The folding itself, in steps over the temporary table rollup_batch (the events of this run).
-- Each step reads only the batch and the rows it names, never every skill or member.

-- skill × day, with the members of each cell (released only where they are k besides the reader).
CREATE FUNCTION session_buddy.fold_skill_days(track integer) RETURNS void
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
BEGIN
  INSERT INTO skill_day AS d (skill_name, day, runs, completed, duration_sum, duration_n, some_members)
  SELECT skill_name, day, count(*), count(*) FILTER (WHERE completed), coalesce(sum(duration_seconds) FILTER (WHERE completed), 0),
         count(duration_seconds) FILTER (WHERE completed), some_members('{}', array_agg(DISTINCT member), track)
  FROM rollup_batch GROUP BY 1, 2
  ON CONFLICT (skill_name, day) DO UPDATE SET runs = d.runs + EXCLUDED.runs, completed = d.completed + EXCLUDED.completed,
    duration_sum = d.duration_sum + EXCLUDED.duration_sum, duration_n = d.duration_n + EXCLUDED.duration_n,
    some_members = some_members(d.some_members, EXCLUDED.some_members, track);
END
$$;

-- member × skill, the skill totals (members, completers) and members per completion-rate percent.
CREATE FUNCTION session_buddy.fold_member_skills() RETURNS void
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
BEGIN
  CREATE TEMP TABLE rollup_touched ON COMMIT DROP AS
    SELECT b.member, b.skill_name, b.runs, b.completed, b.first_day, m.member IS NULL AS is_new,
           rate_percent(m.completed, m.runs) AS old_percent, coalesce(m.completed, 0) AS old_completed
    FROM (SELECT member, skill_name, count(*) AS runs, count(*) FILTER (WHERE completed) AS completed, min(day) AS first_day
          FROM rollup_batch GROUP BY 1, 2) b
    LEFT JOIN member_skill m ON m.member = b.member AND m.skill_name = b.skill_name;
  -- Planned from real counts: the steps after it look the members it names up by key, never scan them all.
  ANALYZE rollup_touched;

  INSERT INTO member_skill AS m (member, skill_name, runs, completed, first_day)
  SELECT member, skill_name, runs, completed, first_day FROM rollup_touched
  ON CONFLICT (member, skill_name) DO UPDATE SET runs = m.runs + EXCLUDED.runs, completed = m.completed + EXCLUDED.completed,
    first_day = least(m.first_day, EXCLUDED.first_day);

  INSERT INTO skill_totals AS s (skill_name, members, runs, completed, completers)
  SELECT skill_name, count(*) FILTER (WHERE is_new), sum(runs), sum(completed), count(*) FILTER (WHERE old_completed = 0 AND completed > 0)
  FROM rollup_touched GROUP BY 1
  ON CONFLICT (skill_name) DO UPDATE SET members = s.members + EXCLUDED.members, runs = s.runs + EXCLUDED.runs,
    completed = s.completed + EXCLUDED.completed, completers = s.completers + EXCLUDED.completers;

  INSERT INTO skill_rate_members AS r (skill_name, rate_percent, members)
  SELECT skill_name, rate_percent, sum(delta) FROM (
    SELECT skill_name, old_percent AS rate_percent, -1 AS delta FROM rollup_touched WHERE old_percent IS NOT NULL
    UNION ALL
    SELECT t.skill_name, rate_percent(m.completed, m.runs), 1 FROM rollup_touched t
    JOIN member_skill m ON m.member = t.member AND m.skill_name = t.skill_name) d
  GROUP BY 1, 2
  ON CONFLICT (skill_name, rate_percent) DO UPDATE SET members = r.members + EXCLUDED.members;
END
$$;

-- Each member's Jaccard set as a bit string. Only a skill that two members completed can be in
-- common, so only those get a bit (skill_ids): a member's names of their own take no room in
-- anyone's string. Rebuilt for the members who completed a skill for the first time and for the
-- completers of skills that just got a bit; all strings are lengthened together, in steps of 64.
CREATE FUNCTION session_buddy.fold_member_bits() RETURNS void
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
DECLARE
  width integer;
  old_width integer := (SELECT bits_width FROM rollup_state);
BEGIN
  CREATE TEMP TABLE rollup_new_ids ON COMMIT DROP AS
  WITH added AS (
    INSERT INTO skill_ids (skill_name)
    SELECT DISTINCT t.skill_name FROM rollup_touched t JOIN skill_totals s ON s.skill_name = t.skill_name
    WHERE t.old_completed = 0 AND t.completed > 0 AND s.completers >= 2
    ORDER BY 1 ON CONFLICT DO NOTHING RETURNING skill_ids.skill_name)
  SELECT skill_name FROM added;

  width := greatest(((SELECT max(id) FROM skill_ids) + 63) / 64 * 64, 64, old_width);
  IF width > old_width THEN
    UPDATE member_bits SET bits = rpad(bits::text, width, '0')::varbit;
    UPDATE rollup_state SET bits_width = width;
  END IF;

  WITH targets AS (
    SELECT member FROM rollup_touched WHERE old_completed = 0 AND completed > 0
    UNION
    SELECT m.member FROM member_skill m JOIN rollup_new_ids n ON n.skill_name = m.skill_name WHERE m.completed > 0),
  -- Each target's own skills, by key: never a pass over every member's.
  sets AS (
    SELECT t.member, own.ids, own.skills FROM targets t
    CROSS JOIN LATERAL (
      SELECT array_remove(array_agg(k.id), NULL) AS ids, count(*) AS skills
      FROM member_skill m LEFT JOIN skill_ids k ON k.skill_name = m.skill_name
      WHERE m.member = t.member AND m.completed > 0) own)
  INSERT INTO member_bits AS b (member, bits, skills)
  SELECT s.member,
         (SELECT string_agg(CASE WHEN i.id IS NULL THEN '0' ELSE '1' END, '' ORDER BY g) FROM generate_series(1, width) g LEFT JOIN unnest(s.ids) i(id) ON i.id = g)::varbit,
         s.skills
  FROM sets s
  ON CONFLICT (member) DO UPDATE SET bits = EXCLUDED.bits, skills = EXCLUDED.skills;
END
$$;

-- Completed runs' durations in logarithmic buckets, and the median and p90 of the skills touched.
CREATE FUNCTION session_buddy.fold_durations() RETURNS void
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
BEGIN
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
END
$$;

-- Per-session skill sets and pair counts (lift = co·N / (n(A)·n(B))), over the first
-- session_pair_skills skills of each session: a session of thousands of names would otherwise
-- make millions of pairs. Each pair also keeps its members, for the release rule. Returns the
-- number of new sessions.
CREATE FUNCTION session_buddy.fold_sessions(track integer) RETURNS bigint
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
DECLARE
  per_session integer := (SELECT value::integer FROM settings WHERE key = 'session_pair_skills');
  new_sessions bigint;
BEGIN
  INSERT INTO team_sessions (member, session_hash) SELECT DISTINCT member, session_hash FROM rollup_batch ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS new_sessions = ROW_COUNT;

  CREATE TEMP TABLE rollup_session_skills ON COMMIT DROP AS
    SELECT member, session_hash, skill_name, min(invoked_minute) AS first_seen FROM rollup_batch GROUP BY 1, 2, 3;
  -- Planned from real counts, so that the batch's sessions are looked up by key once the team has many.
  ANALYZE rollup_session_skills;
  CREATE TEMP TABLE rollup_new_pairs (member text, session_hash text, skill_name text, PRIMARY KEY (member, session_hash, skill_name)) ON COMMIT DROP;
  INSERT INTO rollup_new_pairs
  SELECT c.member, c.session_hash, c.skill_name FROM (
    SELECT n.member, n.session_hash, n.skill_name, s.skills + row_number() OVER (PARTITION BY n.member, n.session_hash ORDER BY n.first_seen, n.skill_name) AS place
    FROM rollup_session_skills n
    JOIN team_sessions s ON s.member = n.member AND s.session_hash = n.session_hash
    WHERE NOT EXISTS (SELECT 1 FROM session_skill k WHERE k.member = n.member AND k.session_hash = n.session_hash AND k.skill_name = n.skill_name)) c
  WHERE c.place <= per_session;
  INSERT INTO session_skill SELECT member, session_hash, skill_name FROM rollup_new_pairs;
  UPDATE team_sessions s SET skills = s.skills + n.added
  FROM (SELECT member, session_hash, count(*) AS added FROM rollup_new_pairs GROUP BY 1, 2) n
  WHERE s.member = n.member AND s.session_hash = n.session_hash;
  -- Planned from real counts: the pair join must look sessions up by key, not scan them all.
  ANALYZE rollup_new_pairs;

  INSERT INTO skill_sessions AS k (skill_name, sessions)
  SELECT skill_name, count(*) FROM rollup_new_pairs GROUP BY 1
  ON CONFLICT (skill_name) DO UPDATE SET sessions = k.sessions + EXCLUDED.sessions;

  -- A pair is new when one of its (session, skill) rows is new; a pair of two new rows is seen
  -- from both sides, so it counts from its smaller skill only. Sessions per member and pair.
  CREATE TEMP TABLE rollup_pair_hits ON COMMIT DROP AS
  SELECT n.member, least(n.skill_name, s.skill_name) AS skill_a, greatest(n.skill_name, s.skill_name) AS skill_b, count(*) AS sessions
  FROM rollup_new_pairs n
  JOIN session_skill s ON s.member = n.member AND s.session_hash = n.session_hash AND s.skill_name <> n.skill_name
  LEFT JOIN rollup_new_pairs o ON o.member = s.member AND o.session_hash = s.session_hash AND o.skill_name = s.skill_name
  WHERE o.skill_name IS NULL OR n.skill_name < s.skill_name
  GROUP BY 1, 2, 3;

  INSERT INTO skill_pairs AS p (skill_a, skill_b, sessions, some_members)
  SELECT skill_a, skill_b, sum(sessions), some_members('{}', array_agg(member), track) FROM rollup_pair_hits GROUP BY 1, 2
  ON CONFLICT (skill_a, skill_b) DO UPDATE SET sessions = p.sessions + EXCLUDED.sessions, some_members = some_members(p.some_members, EXCLUDED.some_members, track);
  RETURN new_sessions;
END
$$;

-- One run of folding: a chunk of about rollup_chunk_events events, in whole transactions, from
-- the watermark (see P1). `from_scratch` (a rebuild) starts over from the first event.
CREATE FUNCTION session_buddy.fold_events(from_scratch boolean) RETURNS text
LANGUAGE plpgsql SET search_path = session_buddy, pg_temp AS $$
DECLARE
  upto xid8 := pg_snapshot_xmin(pg_current_snapshot());
  state rollup_state%ROWTYPE;
  chunk_end xid8;
  more boolean := false;
  folded bigint;
  new_sessions bigint;
  track integer := min_members() + 1;
BEGIN
  SELECT * INTO state FROM rollup_state;
  IF from_scratch THEN
    TRUNCATE skill_day, member_skill, skill_rate_members, skill_totals, member_bits, skill_quantiles, skill_duration,
      team_sessions, session_skill, skill_sessions, skill_pairs;
    TRUNCATE skill_ids RESTART IDENTITY;
    state.xid_done := '0';
    state.sessions := 0;
    UPDATE rollup_state SET bits_width = 0;
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

  DROP TABLE IF EXISTS pg_temp.rollup_batch, pg_temp.rollup_touched, pg_temp.rollup_new_ids, pg_temp.rollup_session_skills, pg_temp.rollup_new_pairs,
    pg_temp.rollup_pair_hits;
  CREATE TEMP TABLE rollup_batch ON COMMIT DROP AS
    SELECT member, session_hash, skill_name, invoked_minute, (invoked_minute AT TIME ZONE 'UTC')::date AS day, completed, duration_seconds
    FROM events WHERE ins_xid >= state.xid_done AND ins_xid < upto;
  GET DIAGNOSTICS folded = ROW_COUNT;
  ANALYZE rollup_batch;

  PERFORM fold_skill_days(track);
  PERFORM fold_member_skills();
  PERFORM fold_member_bits();
  PERFORM fold_durations();
  new_sessions := fold_sessions(track);
  DELETE FROM member_day_rows WHERE day < (now() AT TIME ZONE 'UTC')::date - 2;

  -- With a backlog left the clock stays, so that the next call goes on at once.
  UPDATE rollup_state SET xid_done = upto, refreshed_at = CASE WHEN more THEN state.refreshed_at ELSE now() END,
    rebuild = rollup_state.rebuild AND NOT from_scratch, sessions = state.sessions + new_sessions, last_error = NULL, last_error_at = NULL;
  RETURN format('folded %s event(s)%s', folded, CASE WHEN more THEN ', more pending' ELSE '' END);
END
$$;

-- Folds the events committed since the last run. Whichever client gets the advisory lock runs it,
-- at most once per min_interval (members cannot go below a minute); the others return at once.
-- A run that fails rolls back whole, keeps the watermark where it was (the next run retries the
-- same events), and says why in its answer and in rollup_state.last_error. A pending rebuild
-- (forget_me) is the owner's `team init`; meanwhile members go on folding new events.
CREATE OR REPLACE FUNCTION session_buddy.refresh_rollups(min_interval interval DEFAULT interval '1 minute') RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp
-- Its statements are short; compiling them (JIT) cost more than running them.
SET jit = off AS $$
DECLARE
  by_owner boolean := pg_has_role(session_user, current_user, 'USAGE');
  state rollup_state%ROWTYPE;
  outcome text;
BEGIN
  IF min_interval < interval '1 minute' AND NOT by_owner THEN
    min_interval := interval '1 minute';
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtext('session_buddy.refresh_rollups')) THEN
    RETURN 'busy';
  END IF;
  SELECT * INTO state FROM rollup_state;
  IF NOT (state.rebuild AND by_owner) AND state.refreshed_at > now() - min_interval THEN
    RETURN 'recent';
  END IF;
  BEGIN
    outcome := fold_events(state.rebuild AND by_owner);
  EXCEPTION WHEN OTHERS THEN
    UPDATE rollup_state SET last_error = SQLERRM, last_error_at = now();
    RETURN format('failed: %s (the next run retries the same events)', SQLERRM);
  END;
  IF state.rebuild AND NOT by_owner THEN
    outcome := outcome || '; a rebuild is pending (the owner runs session-buddy team init)';
  END IF;
  RETURN outcome;
END
$$;

-- The release rule: a cell is read only where at least k members other than the reader are in
-- it, so the reader's own figures, subtracted, leave at least k others. For a cell that keeps
-- some of its members (some_members):
CREATE FUNCTION session_buddy.released(members text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT cardinality(members) - (session_buddy.reader() = ANY (members))::integer >= session_buddy.min_members() $$;

-- And the skills (member_skill has every member of each).
CREATE FUNCTION session_buddy.visible_skills() RETURNS TABLE (skill_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT t.skill_name FROM skill_totals t
  WHERE t.members >= min_members() AND t.runs > 0
    AND t.members - (SELECT count(*) FROM member_skill m WHERE m.member = reader() AND m.skill_name = t.skill_name) >= min_members()
$$;

-- The caller's percentile is among the others only (members − 1 of them, at least k).
CREATE OR REPLACE FUNCTION session_buddy.team_baselines()
RETURNS TABLE (skill_name text, members integer, runs bigint, completion_rate double precision,
               median_seconds double precision, p90_seconds double precision, my_percentile double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  WITH visible AS (SELECT t.* FROM skill_totals t JOIN visible_skills() v ON v.skill_name = t.skill_name),
  mine AS (
    SELECT m.skill_name, sum(r.members) FILTER (WHERE r.rate_percent <= rate_percent(m.completed, m.runs)) AS at_most
    FROM member_skill m JOIN skill_rate_members r ON r.skill_name = m.skill_name
    WHERE m.member = reader() GROUP BY m.skill_name)
  SELECT v.skill_name, v.members, v.runs, v.completed::double precision / v.runs,
         q.median_seconds, q.p90_seconds,
         CASE WHEN mine.skill_name IS NULL THEN NULL ELSE 100.0 * (mine.at_most - 1) / (v.members - 1) END
  FROM visible v
  LEFT JOIN skill_quantiles q ON q.skill_name = v.skill_name
  LEFT JOIN mine ON mine.skill_name = v.skill_name
  ORDER BY v.skill_name
$$;

-- Empty while fewer than k members other than the caller have completed anything.
CREATE OR REPLACE FUNCTION session_buddy.neighbours(max_rows integer)
RETURNS TABLE (member text, similarity double precision, common_skills integer, skill_count integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  WITH mine AS (SELECT b.bits, b.skills FROM member_bits b WHERE b.member = reader()),
  common AS (
    SELECT o.member, o.skills, bit_count(o.bits & mine.bits)::integer AS c
    FROM member_bits o, mine WHERE o.member <> reader())
  SELECT c.member, c.c::double precision / (c.skills + mine.skills - c.c), c.c, c.skills
  FROM common c, mine
  WHERE c.c > 0 AND (SELECT count(*) FROM member_bits o WHERE o.member <> reader()) >= min_members()
  ORDER BY 2 DESC, c.member
  LIMIT least(greatest(max_rows, 1), 100)
$$;

CREATE OR REPLACE FUNCTION session_buddy.similar_member_skills(max_rows integer DEFAULT 10)
RETURNS TABLE (member_pseudonym text, skill_name text, runs bigint, completed bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT pseudonym(n.member), m.skill_name, m.runs, m.completed
  FROM neighbours(max_rows) n
  JOIN member_skill m ON m.member = n.member
  JOIN visible_skills() v ON v.skill_name = m.skill_name
  ORDER BY 1, 2
$$;

CREATE OR REPLACE FUNCTION session_buddy.team_dependencies(min_sessions integer DEFAULT 2)
RETURNS TABLE (skill_a text, skill_b text, co_occurrence_count bigint, lift_score double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
  SELECT p.skill_a, p.skill_b, p.sessions, p.sessions::double precision * st.sessions / (a.sessions * b.sessions)
  FROM skill_pairs p
  JOIN skill_sessions a ON a.skill_name = p.skill_a
  JOIN skill_sessions b ON b.skill_name = p.skill_b
  CROSS JOIN rollup_state st
  WHERE p.sessions >= greatest(min_sessions, 1) AND released(p.some_members)
  ORDER BY 4 DESC, 1, 2
$$;

-- `team leave --delete`: once per forget_me_interval per member (each marks a rebuild). The rows
-- go at once; the totals lose them at the owner's next `team init`. It waits for a running fold,
-- so that a rebuild under way cannot clear the mark after reading the rows it deletes.
CREATE OR REPLACE FUNCTION session_buddy.forget_me() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = session_buddy, pg_temp AS $$
DECLARE
  removed bigint;
  last_time timestamptz;
  every interval := (SELECT value::interval FROM settings WHERE key = 'forget_me_interval');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('session_buddy.refresh_rollups'));
  INSERT INTO member_quota AS q (member) VALUES (reader()) ON CONFLICT (member) DO UPDATE SET member = q.member RETURNING q.forgot_at INTO last_time;
  IF last_time > now() - every THEN
    RAISE EXCEPTION 'forget_me already ran for % at %; a member may run it once per %', reader(), last_time, every
      USING ERRCODE = 'program_limit_exceeded', HINT = 'the owner can delete the rows meanwhile';
  END IF;
  DELETE FROM events WHERE member = reader();
  GET DIAGNOSTICS removed = ROW_COUNT;
  DELETE FROM member_names WHERE member = reader();
  UPDATE member_quota SET forgot_at = now(), skill_names = 0 WHERE member = reader();
  UPDATE rollup_state SET rebuild = true;
  RETURN removed;
END
$$;

CREATE OR REPLACE VIEW session_buddy.team_skill_completion AS
  SELECT t.skill_name, t.members, t.runs, t.completed::double precision / t.runs AS completion_rate
  FROM session_buddy.skill_totals t JOIN session_buddy.visible_skills() v ON v.skill_name = t.skill_name;

-- A day is its own cell: it needs k members besides the reader that day.
CREATE OR REPLACE VIEW session_buddy.team_skill_days AS
  SELECT d.skill_name, d.day, d.runs, d.completed::double precision / d.runs AS completion_rate,
         CASE WHEN d.duration_n > 0 THEN d.duration_sum / d.duration_n END AS mean_duration_seconds
  FROM session_buddy.skill_day d
  WHERE session_buddy.released(d.some_members);

CREATE OR REPLACE VIEW session_buddy.team_adoption AS
  SELECT m.skill_name, m.first_day AS day, count(*) AS new_members
  FROM session_buddy.member_skill m
  GROUP BY m.skill_name, m.first_day
  HAVING count(*) FILTER (WHERE m.member <> session_buddy.reader()) >= session_buddy.min_members();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA session_buddy FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_buddy.my_quota(), session_buddy.visible_skills(), session_buddy.reader(), session_buddy.released(text[])
    TO session_buddy_member;
