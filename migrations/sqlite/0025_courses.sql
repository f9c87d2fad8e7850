-- スマホ教室 and staff trainings (#18): courses, their sessions, and bookings with a waiting
-- list. `taken` counts the places held (booked, offered to the next on the waiting list, or
-- attended) and only moves in statements that check it against the capacity, so two people
-- booking the last place at once never both get it.
CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    -- residents | staff
    audience TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE course_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES courses(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    access TEXT NOT NULL DEFAULT '',
    map_url TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0,
    organiser TEXT NOT NULL DEFAULT '',
    partner TEXT NOT NULL DEFAULT '',
    instructor TEXT NOT NULL DEFAULT '',
    bring TEXT NOT NULL DEFAULT '',
    lends_phones INTEGER NOT NULL DEFAULT 0,
    -- planned | held | cancelled
    status TEXT NOT NULL DEFAULT 'planned',
    cancel_reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (taken >= 0 AND taken <= capacity)
);
CREATE INDEX course_sessions_starts ON course_sessions (starts_at);

-- A booking (or a place on the waiting list). Name and phone are personal data: emptied by the
-- purge after the retention period; the row, its state and its counts stay.
CREATE TABLE course_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES course_sessions(id),
    -- The number said on the phone and printed: 予約番号.
    number TEXT NOT NULL UNIQUE,
    -- For the cancellation link (kept hashed).
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    age_band TEXT NOT NULL DEFAULT '',
    -- web | phone | counter
    booked_via TEXT NOT NULL,
    -- booked | waiting | offered | cancelled | lapsed | attended | absent
    state TEXT NOT NULL,
    offer_expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    purged_at TEXT
);
CREATE INDEX course_bookings_session ON course_bookings (session_id, state, id);
