-- Salary negotiations (issue 16): one row per negotiation with the recruiter's state after
-- its last line, and its turns. Written after every message, so a restart resumes it.
CREATE TABLE negotiations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    guild_id        INTEGER REFERENCES guilds(id) ON DELETE CASCADE,
    channel_id      INTEGER,
    language        TEXT NOT NULL,
    setup           TEXT NOT NULL,                -- JSON: role, currency, offer, target, style...
    seed            INTEGER NOT NULL,             -- makes the budget and the recruiter's choices
    state           TEXT NOT NULL,                -- JSON: the recruiter's state (budget included)
    status          TEXT NOT NULL CHECK (status IN ('active', 'finished', 'stopped')),
    debrief         TEXT,                         -- JSON, once ended
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One running negotiation per user per server (NULL guild = the terminal).
CREATE UNIQUE INDEX negotiations_one_active
    ON negotiations (user_id, IFNULL(guild_id, 0)) WHERE status = 'active';
CREATE INDEX negotiations_by_channel ON negotiations (channel_id) WHERE status = 'active';
CREATE INDEX negotiations_by_user ON negotiations (user_id, created_at);

CREATE TABLE negotiation_turns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    negotiation_id  INTEGER NOT NULL REFERENCES negotiations(id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    speaker         TEXT NOT NULL CHECK (speaker IN ('recruiter', 'candidate')),
    text            TEXT NOT NULL,
    offer           INTEGER,                      -- recruiter lines: the base on the table after it
    spoken          INTEGER NOT NULL DEFAULT 0,   -- candidate lines: sent as a voice message
    source          TEXT,                         -- recruiter lines: offline or model:<provider>
    created_at      TEXT NOT NULL,
    UNIQUE (negotiation_id, idx)
);
