-- Japan Post's 郵便番号データ for postcode → address on forms. National data, so one copy per
-- installation, replaced whole by `machi postcodes import`.
CREATE TABLE postcodes (
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    prefecture TEXT NOT NULL,
    city TEXT NOT NULL,
    -- 町域名 without the bracketed notes; '' where the file says the whole 市区町村.
    town TEXT NOT NULL,
    PRIMARY KEY (code, seq)
);

-- Where the rows came from (the last import is the one in use).
CREATE TABLE postcode_imports (
    imported_at TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL
);
