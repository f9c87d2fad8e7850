-- アナログ規制 review (#19): the town's 例規 as imported, clause by clause, and the candidates the
-- scan proposed. A re-import keeps a clause (and what was decided about it) when its text is
-- unchanged, marks it changed when the text differs, and removed when it is gone.
CREATE TABLE ordinances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL DEFAULT '',
    enacted TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imports INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE ordinance_clauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ordinance_id INTEGER NOT NULL REFERENCES ordinances(id),
    position INTEGER NOT NULL,
    article TEXT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    -- 0: the article's only paragraph
    paragraph INTEGER NOT NULL DEFAULT 0,
    -- '': the paragraph's own sentences
    item TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    -- current | changed (the text differs from the import before: decisions need a second look) | removed
    status TEXT NOT NULL DEFAULT 'current',
    updated_at TEXT NOT NULL,
    UNIQUE (ordinance_id, article, paragraph, item)
);

CREATE TABLE ordinance_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clause_id INTEGER NOT NULL REFERENCES ordinance_clauses(id),
    category TEXT NOT NULL,
    phrase TEXT NOT NULL,
    reason TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    rules_version INTEGER NOT NULL,
    -- candidate | applies | not_applicable; withdrawn when a re-scan no longer proposes it
    state TEXT NOT NULL DEFAULT 'candidate',
    found_at TEXT NOT NULL,
    UNIQUE (clause_id, category)
);
CREATE INDEX ordinance_findings_state ON ordinance_findings (state);
