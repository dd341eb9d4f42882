-- V11: exact team pushes. write_stamp is the store clock's stamp of the log line that recorded the
-- invocation (its `s`): within one writer slot, stamps grow in the order lines are written, so a
-- cursor per writer slot (team_push_cursor) says exactly which runs a team has received, however
-- late a run's commit came after its id was taken. A stamp is (ms * 32 + slot) * 256 + seq
-- (src/core/store/writerSlot.ts): the index is by slot, then stamp. Rows recorded before V11 take
-- their id, from the same clock and the same writer; the V9 cursor stays as the floor below which
-- a team has them.
-- (V10 is another change's number.)
ALTER TABLE skill_invocation ADD COLUMN write_stamp INTEGER;
UPDATE skill_invocation SET write_stamp = id;
CREATE INDEX idx_invocation_writer_stamp ON skill_invocation ((write_stamp / 256) % 32, write_stamp);
CREATE TABLE team_push_cursor (
    team_id TEXT NOT NULL,
    writer_slot INTEGER NOT NULL,
    pushed_stamp INTEGER NOT NULL,
    PRIMARY KEY (team_id, writer_slot)
);
