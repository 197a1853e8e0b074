-- How long a campaign keeps its supporters after their last signature or consent: NULL keeps
-- them until erased by hand (the default); otherwise they are due for purging after that many
-- months without newer activity anywhere.
ALTER TABLE campaigns ADD COLUMN retention_months INTEGER CHECK (retention_months IS NULL OR retention_months BETWEEN 1 AND 1200);
