-- Online applications with the town's own forms (#17). An application starts as a draft when
-- the resident asks for a confirmation link, is submitted (a receipt number), waits for its fee
-- when the form has one, and is handled by the 担当課. Personal data (answers, e-mail,
-- attachments) is purged after the retention period; the row and its counts stay.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_no TEXT UNIQUE,
    procedure_key TEXT NOT NULL,
    form_key TEXT NOT NULL,
    department TEXT NOT NULL,
    email TEXT NOT NULL,
    email_confirmed_at TEXT,
    state TEXT NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}',
    fee BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_on TEXT,
    closed_at TEXT,
    purged_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX applications_state ON applications (state, department);
CREATE INDEX applications_submitted ON applications (submitted_on, procedure_key);

-- One-time links sent by mail (kept hashed); opening one starts a session of the browser.
CREATE TABLE application_links (
    token_hash TEXT PRIMARY KEY,
    application_id BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE application_sessions (
    token_hash TEXT PRIMARY KEY,
    application_id BIGINT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE application_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL,
    slot TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX application_files_app ON application_files (application_id);
-- The history the applicant and the 課 see: state changes with their message.
CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    state_from TEXT NOT NULL,
    state_to TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app ON application_events (application_id);

-- Payments through a provider. machi's row is made before the provider is called, with the
-- idempotency key the provider sees, so a retry after a timeout never creates a second payment.
CREATE TABLE online_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    provider_ref TEXT,
    next_url TEXT NOT NULL DEFAULT '',
    amount BIGINT NOT NULL,
    state TEXT NOT NULL,
    receipt_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX online_payments_app ON online_payments (application_id);
CREATE UNIQUE INDEX online_payments_ref ON online_payments (provider, provider_ref);
-- Every callback accepted, once: a replay of the same event id changes nothing.
CREATE TABLE payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at TEXT NOT NULL,
    applied BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);
-- The sandbox provider's own books (it plays the provider's side inside machi).
CREATE TABLE sandbox_payments (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount BIGINT NOT NULL,
    description TEXT NOT NULL,
    reference TEXT NOT NULL,
    return_url TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    events BIGINT NOT NULL DEFAULT 0
);
