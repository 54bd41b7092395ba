-- The STAR story bank (issue 13): each user's stories and the answers that told them.
-- A telling keeps the ids of its interview and turn, not a link: deleting a story keeps the
-- answers, and a story outlives nothing the retention pruning removes (see storage/stories.py).
CREATE TABLE stories (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    competencies  TEXT NOT NULL,                  -- JSON list of competency ids
    terms         TEXT NOT NULL,                  -- JSON list of distinctive words
    strong        TEXT NOT NULL,                  -- JSON list: the names and numbers among them
    language      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX stories_by_user ON stories (user_id);

CREATE TABLE story_tellings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id     INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id   INTEGER NOT NULL,
    turn_id      INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    question_id  TEXT NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    excerpt      TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX story_tellings_by_story ON story_tellings (story_id, at);
CREATE INDEX story_tellings_by_user ON story_tellings (user_id);
