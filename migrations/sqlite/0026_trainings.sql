-- Staff trainings (#18): the staff directory (every employee, from the personnel section's CSV,
-- not only machi's users), trainings with their target group, sessions, attendance with
-- statuses, and materials. And the residents' questionnaire after a スマホ教室.

CREATE TABLE staff_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 職員番号, as the personnel section and the e-learning system know it.
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL,
    -- 職種 (一般事務, 保健師, 技術 …) and employment type (正規職員, 会計年度任用職員 …).
    job TEXT NOT NULL DEFAULT '',
    employment TEXT NOT NULL DEFAULT '',
    -- 採用日, for trainings aimed at new staff (YYYY-MM-DD, may be empty).
    joined_on TEXT NOT NULL DEFAULT '',
    -- The machi account, when the person has one (self-marking, their own reminders).
    username TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE trainings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    -- security | ict_literacy | other: what the plan's KPIs count
    category TEXT NOT NULL,
    -- classroom | online | elearning
    kind TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    -- all | department | job | new
    target TEXT NOT NULL,
    target_value TEXT NOT NULL DEFAULT '',
    required INTEGER NOT NULL DEFAULT 1,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    -- In the QR code shown at the session, for staff to mark themselves present.
    self_code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- One status per person and training: 出席 at any of its sessions (or an e-learning
-- completion) is what 受講率 counts; 免除 takes the person out of the target.
CREATE TABLE training_attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    staff_id INTEGER NOT NULL REFERENCES staff_members(id),
    session_id INTEGER REFERENCES training_sessions(id),
    -- present | late | absent | excused
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    -- staff | self | import
    via TEXT NOT NULL,
    completed_on TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (training_id, staff_id)
);
CREATE INDEX training_attendance_staff ON training_attendance (staff_id);

CREATE TABLE training_materials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);

-- The short questionnaire after a スマホ教室 (paper entered by staff, or on the tablet). No name.
CREATE TABLE course_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES course_sessions(id),
    -- 分かりやすさ: 4 よく分かった … 1 分からなかった
    clarity INTEGER NOT NULL CHECK (clarity BETWEEN 1 AND 4),
    -- できるようになったこと: the codes ticked, separated by spaces
    learned TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    -- paper | tablet
    entered_via TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX course_feedback_session ON course_feedback (session_id);
