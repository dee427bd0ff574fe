-- Schema 2: learners' sign-in secrets and lockout.
-- learners.pin_hash holds the argon2id hash of a 4-digit PIN; learners.picture the hash of a
-- picture password (two pictures in order). Which one applies is the group's sign_in.
ALTER TABLE learners ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learners ADD COLUMN signin_locked INTEGER NOT NULL DEFAULT 0 CHECK (signin_locked IN (0, 1));
