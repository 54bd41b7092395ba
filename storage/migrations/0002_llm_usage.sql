-- Model calls (one row per provider attempt), per-server daily token budgets and
-- per-server API keys (Fernet ciphertext only; the master key never touches the database).
CREATE TABLE llm_calls (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt_id       TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    language        TEXT NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    ok              INTEGER NOT NULL CHECK (ok IN (0, 1)),
    error           TEXT,
    latency_ms      REAL NOT NULL,
    ttft_ms         REAL,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0,
    attempt         INTEGER NOT NULL,
    key             TEXT,                         -- a label such as 'guild:123', never a secret
    started_at      TEXT NOT NULL
);
CREATE INDEX llm_calls_by_prompt ON llm_calls (prompt_id, prompt_version, language);
CREATE INDEX llm_calls_by_time ON llm_calls (started_at);

CREATE TABLE llm_budget (
    guild_id    INTEGER NOT NULL,                 -- 0 for direct messages and the terminal
    day         TEXT NOT NULL,                    -- UTC date, YYYY-MM-DD
    tokens      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, day)
);

CREATE TABLE guild_llm_keys (
    guild_id    INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    ciphertext  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, provider)
);
