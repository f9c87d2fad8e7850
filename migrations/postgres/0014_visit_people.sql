-- The people a counter visit concerns (届出人, the people the life event is about, the rest of
-- the household), each entered once, as a JSON list. Personal data: the purge empties it with
-- the other personal columns.
ALTER TABLE counter_visits ADD COLUMN people TEXT;
