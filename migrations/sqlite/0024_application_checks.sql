-- The life-event guide's questions as the resident answered them before applying (JSON; '' when
-- the procedure depends on none). Personal data: emptied by the purge with the answers.
ALTER TABLE applications ADD COLUMN checks TEXT NOT NULL DEFAULT '';
