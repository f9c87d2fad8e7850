-- Fees and the receipts ledger (#17). Append-only: machi never updates or deletes a row; a
-- correction is a reversing entry naming the entry it cancels (one reversal per entry). Amounts
-- are whole 円. A reference (eL番号, a terminal's slip number, a provider's payment id) is unique
-- per channel, so an import or a callback delivered twice is refused, not counted twice.
CREATE TABLE receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    procedure_key TEXT NOT NULL DEFAULT '',
    amount BIGINT NOT NULL CHECK (amount >= 0),
    channel TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    counter TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    reverses BIGINT REFERENCES receipts (id),
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX receipts_paid_on ON receipts (paid_on);
CREATE UNIQUE INDEX receipts_reference ON receipts (channel, reference) WHERE reference <> '' AND reverses IS NULL;
CREATE UNIQUE INDEX receipts_reversal ON receipts (reverses) WHERE reverses IS NOT NULL;
