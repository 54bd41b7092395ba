-- Progress (issue 13): each user's skill graph, the evidence behind it, spaced-repetition
-- schedules per skill, the practice log memory and /progress read, and drills.
-- Rows that rest on an answer point at its turn and go with it (retention, deletion).
CREATE TABLE skill_states (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skill_id        TEXT NOT NULL,
    level           REAL NOT NULL CHECK (level BETWEEN 0 AND 100),
    observations    INTEGER NOT NULL,
    recent          TEXT NOT NULL,                -- JSON list of the last observations
    last_practised  TEXT NOT NULL,
    UNIQUE (user_id, skill_id)
);

CREATE TABLE skill_evidence (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skill_id    TEXT NOT NULL,
    turn_id     INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    session_id  INTEGER NOT NULL,
    score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    rule_id     TEXT,
    positive    INTEGER NOT NULL DEFAULT 0,
    quote       TEXT,                             -- NULL: the finding names an absence
    at          TEXT NOT NULL
);
CREATE INDEX skill_evidence_by_skill ON skill_evidence (user_id, skill_id, id);
CREATE INDEX skill_evidence_by_turn ON skill_evidence (turn_id);

CREATE TABLE drill_schedules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skill_id     TEXT NOT NULL,
    card         TEXT NOT NULL,                   -- JSON: the fsrs card
    due          TEXT NOT NULL,
    last_rating  INTEGER NOT NULL CHECK (last_rating BETWEEN 1 AND 4),
    last_review  TEXT NOT NULL,
    UNIQUE (user_id, skill_id)
);

-- One row per graded answer (a rewind retry too).
CREATE TABLE practice_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    turn_id      INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    session_id   INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    question_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    level        TEXT NOT NULL,
    language     TEXT NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    spoken       INTEGER NOT NULL DEFAULT 0,
    retry        INTEGER NOT NULL DEFAULT 0,
    problems     TEXT NOT NULL,                   -- JSON list of the rule ids that criticised
    at           TEXT NOT NULL
);
CREATE INDEX practice_log_by_user ON practice_log (user_id, id);
CREATE INDEX practice_log_by_turn ON practice_log (turn_id);

CREATE TABLE drills (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id    INTEGER NOT NULL UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skills        TEXT NOT NULL,                  -- JSON list of {skill_id, reason, level}
    question_ids  TEXT NOT NULL,                  -- JSON list
    created_at    TEXT NOT NULL
);
CREATE INDEX drills_by_user ON drills (user_id);
