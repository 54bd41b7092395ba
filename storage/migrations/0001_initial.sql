-- Users, guilds, interview sessions, their turns and the rubric findings of each answer.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,              -- Discord user id (0 for the terminal)
    created_at  TEXT NOT NULL
);

CREATE TABLE guilds (
    id          INTEGER PRIMARY KEY,              -- Discord guild id
    created_at  TEXT NOT NULL
);

CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    guild_id        INTEGER REFERENCES guilds(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    level           TEXT NOT NULL,
    start_level     TEXT NOT NULL,
    question_count  INTEGER NOT NULL CHECK (question_count BETWEEN 1 AND 50),
    language        TEXT NOT NULL,
    role            TEXT,
    channel_id      INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('active', 'finished', 'stopped')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One active session per user per server (NULL guild = direct messages / terminal).
CREATE UNIQUE INDEX sessions_one_active
    ON sessions (user_id, IFNULL(guild_id, 0)) WHERE status = 'active';
CREATE INDEX sessions_by_channel ON sessions (channel_id) WHERE status = 'active';
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

CREATE TABLE turns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    question_id     TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    level           TEXT NOT NULL,
    follow_up       INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('asked', 'answered', 'evaluated', 'skipped')),
    answer          TEXT,
    score           INTEGER CHECK (score BETWEEN 0 AND 100),
    dimensions      TEXT,                         -- JSON object dimension -> 0..100
    on_topic        INTEGER,
    source          TEXT,
    praise          TEXT,
    fix             TEXT,
    tip             TEXT,
    extra           TEXT,                         -- JSON object, evaluation extras
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (session_id, idx)
);

CREATE TABLE findings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id     INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    rule_id     TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    positive    INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL,
    fix         TEXT NOT NULL,
    quote       TEXT,                             -- NULL: the evidence is "absent"
    start_char  INTEGER,
    end_char    INTEGER,
    start_ms    INTEGER,
    end_ms      INTEGER
);
CREATE INDEX findings_by_turn ON findings (turn_id);
