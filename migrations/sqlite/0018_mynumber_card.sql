-- The マイナンバーカード figures of this body, one per 基準日, as read from 総務省's published
-- table (施策 1-②-1): 保有枚数 (from June 2023) or 交付枚数 (before), the population it was
-- divided by, and the rate as published. A newer import for the same 基準日 replaces it.
CREATE TABLE mynumber_snapshots (
    as_of TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    population DOUBLE PRECISION NOT NULL,
    card_count DOUBLE PRECISION NOT NULL,
    rate DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
