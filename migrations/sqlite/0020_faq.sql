-- Residents find answers (#16). The FAQ the town keeps: its own ids, the fields residents read,
-- 担当課, alternative phrasings (one per line), related procedures and pages (one per line),
-- published or draft, the day it is next reviewed. Fields an import brought that machi does not
-- know are kept in notes (JSON), never dropped. Every saved version is kept in faq_versions.
CREATE TABLE faq_entries (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    category TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    related TEXT NOT NULL DEFAULT '',
    published BIGINT NOT NULL DEFAULT 1,
    review_on TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '{}',
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE faq_versions (
    entry_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
);
-- The town's own synonym groups, on top of the bundled ones (one group per row, in the file
-- format: "= 語 語 …" or "> 語 語 …").
CREATE TABLE faq_synonyms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
-- The help chat's exchanges, anonymous: the conversation is a random token the browser holds
-- for the conversation only; no address, no person. Purged after the retention period.
CREATE TABLE help_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at TEXT NOT NULL,
    day TEXT NOT NULL,
    conversation TEXT NOT NULL,
    query TEXT NOT NULL,
    shown TEXT NOT NULL DEFAULT '',
    opened TEXT NOT NULL DEFAULT '',
    -- 0 when the answers shown were only near the question (none held what it was about).
    answered BIGINT NOT NULL DEFAULT 1,
    solved BIGINT
);
CREATE INDEX help_log_by_day ON help_log (day);
-- 「このページは役に立ちましたか?」: one vote per page per browser per day (voter is a hash of
-- a random cookie, cleared once the day is over). Comments are stored masked.
CREATE TABLE page_votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    voted_at TEXT NOT NULL,
    day TEXT NOT NULL,
    page TEXT NOT NULL,
    helpful BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    voter TEXT NOT NULL DEFAULT ''
);
CREATE INDEX page_votes_by_page ON page_votes (page, day);
-- A message a resident sent from the help chat when the answer did not help.
CREATE TABLE help_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sent_at TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    done BIGINT NOT NULL DEFAULT 0
);
-- One row: bumped by every write to the FAQ or the synonyms in the same transaction, so a
-- server asks one number, not the whole table, whether its search index is still current.
CREATE TABLE faq_state (
    generation BIGINT NOT NULL
);
INSERT INTO faq_state (generation) VALUES (0);
