-- Schema 3: what the teachers' pages need.
--
-- Login cards: a teacher reprints a lost card, so the hub keeps the PIN and the two pictures a
-- learner was given (staff pages only; they never travel in a bundle). This costs nothing in
-- secrecy: a 4-digit PIN's hash falls to 10,000 guesses offline in seconds, so whoever can read
-- the database already has the PIN. Hashing (argon2id) happens in the background after a
-- change, so importing 1,000 learners takes seconds: secrets_pending marks learners whose
-- hashes are not made yet.
ALTER TABLE learners ADD COLUMN card_pin TEXT;
ALTER TABLE learners ADD COLUMN card_pictures TEXT;
ALTER TABLE learners ADD COLUMN secrets_pending INTEGER NOT NULL DEFAULT 0 CHECK (secrets_pending IN (0, 1));
CREATE INDEX learners_secrets_pending ON learners (secrets_pending) WHERE secrets_pending = 1;

-- Reports read events by time (weekly active learners, most used courses) and by learner (a
-- group's figures); covering indexes answer them without visiting each event's row.
CREATE INDEX progress_events_hlc ON progress_events (hlc, learner_id, event_type, course_id);
CREATE INDEX progress_events_learner_course
    ON progress_events (learner_id, hlc, course_id, event_type);
