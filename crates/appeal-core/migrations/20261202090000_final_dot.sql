-- When the final dot of a letter's current attempt was about to be written (UTC, RFC 3339).
-- Set, durably, just before the dot goes out and cleared when the attempt's result is
-- recorded. After a crash, a letter still "sending" without it cannot have been accepted
-- and goes back to the queue; only one with it may have arrived, and becomes uncertain.
ALTER TABLE messages ADD COLUMN dot_at TEXT;
