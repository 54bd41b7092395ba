-- Rewinds: later answers to a question already answered, and the retry a session waits for.
-- The original answer stays in its turn; each retry is one row here, newest last.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id     INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    answer      TEXT NOT NULL,
    score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    evaluation  TEXT NOT NULL,                    -- JSON: the whole Evaluation.to_dict()
    created_at  TEXT NOT NULL
);
CREATE INDEX attempts_by_turn ON attempts (turn_id, id);

-- The turn whose question the user's next answer retries (NULL: none pending).
ALTER TABLE sessions ADD COLUMN rewind_turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL;
CREATE INDEX sessions_rewind_by_channel ON sessions (channel_id) WHERE rewind_turn_id IS NOT NULL;
