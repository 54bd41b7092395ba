-- Live voice sessions (a solo voice interview or a study-group round), who consented to be
-- listened to, the answers given and the peers' ratings of them. No audio is ever stored.
CREATE TABLE rounds (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    voice_channel_id  INTEGER NOT NULL,
    thread_id         INTEGER,
    host_id           INTEGER REFERENCES users(id) ON DELETE SET NULL,
    mode              TEXT NOT NULL CHECK (mode IN ('solo', 'group')),
    kind              TEXT NOT NULL,
    level             TEXT NOT NULL,
    language          TEXT NOT NULL,
    turns_each        INTEGER NOT NULL CHECK (turns_each BETWEEN 1 AND 50),
    status            TEXT NOT NULL
                      CHECK (status IN ('gathering', 'running', 'finished', 'stopped')),
    created_at        TEXT NOT NULL,
    ended_at          TEXT
);
CREATE INDEX rounds_live_by_guild ON rounds (guild_id) WHERE status IN ('gathering', 'running');

-- One row per consent: the user opted in to being listened to in this voice session.
CREATE TABLE round_participants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id      INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    consented_at  TEXT NOT NULL,
    session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    turns         INTEGER NOT NULL DEFAULT 0,
    answered      INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    left_channel  INTEGER NOT NULL DEFAULT 0,
    done          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round_id, user_id)
);
CREATE INDEX round_participants_by_user ON round_participants (user_id);

CREATE TABLE round_answers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id        INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    participant_id  INTEGER NOT NULL REFERENCES round_participants(id) ON DELETE CASCADE,
    session_id      INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    turn_id         INTEGER REFERENCES turns(id) ON DELETE SET NULL,
    turn_index      INTEGER,
    score           INTEGER CHECK (score BETWEEN 0 AND 100),
    created_at      TEXT NOT NULL
);
CREATE INDEX round_answers_by_round ON round_answers (round_id);

CREATE TABLE peer_ratings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id   INTEGER NOT NULL REFERENCES round_answers(id) ON DELETE CASCADE,
    rater_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    rating      TEXT NOT NULL CHECK (rating IN ('useful', 'unclear', 'strong')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (answer_id, rater_id)
);
