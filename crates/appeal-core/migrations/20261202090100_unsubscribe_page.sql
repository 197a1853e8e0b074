-- The group's own unsubscribe page (https), carried by letters to supporters as a one-click
-- List-Unsubscribe (RFC 8058) beside the mailto.
ALTER TABLE mailings ADD COLUMN unsubscribe_url TEXT;
