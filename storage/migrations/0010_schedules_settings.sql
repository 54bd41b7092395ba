-- Moderators and study groups (issue 15): server settings, server question sets, members'
-- opt-in to showing their round history, and recurring scheduled rounds with their RSVPs.

-- One row per server that changed a setting; NULL (or an empty list) means the bot's default.
CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY REFERENCES guilds(id) ON DELETE CASCADE,
    moderator_role_id   INTEGER,
    allowed_channels    TEXT NOT NULL DEFAULT '[]',   -- JSON list of channel ids; [] = anywhere
    language            TEXT CHECK (language IN ('en', 'ko')),
    speak_questions     INTEGER CHECK (speak_questions IN (0, 1)),
    daily_token_budget  INTEGER CHECK (daily_token_budget >= 0),
    retention_days      INTEGER CHECK (retention_days >= 1),
    updated_at          TEXT NOT NULL
);

-- Questions a server's moderators added for that server (no author is kept).
CREATE TABLE server_questions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    question_id  TEXT NOT NULL UNIQUE,               -- e.g. beh-g123-my-question
    kind         TEXT NOT NULL,
    language     TEXT NOT NULL,
    levels       TEXT NOT NULL,                      -- JSON list
    skills       TEXT NOT NULL,                      -- JSON list
    text         TEXT NOT NULL,
    hint         TEXT NOT NULL,
    keywords     TEXT NOT NULL,                      -- JSON list
    created_at   TEXT NOT NULL
);
CREATE INDEX server_questions_by_guild ON server_questions (guild_id, kind, language);

-- Members who let the server see their round scores and peer ratings over time.
CREATE TABLE round_history_optins (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opted_in_at  TEXT NOT NULL,
    UNIQUE (guild_id, user_id)
);

-- A recurring round: weekly or fortnightly at a wall-clock time in an IANA time zone.
CREATE TABLE schedules (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
    creator_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    medium            TEXT NOT NULL CHECK (medium IN ('voice', 'text')),
    channel_id        INTEGER NOT NULL,               -- the voice channel, or a text round's channel
    post_channel_id   INTEGER NOT NULL,               -- reminders, notes, a voice round's thread
    kind              TEXT NOT NULL,
    level             TEXT NOT NULL,
    language          TEXT NOT NULL,
    weekday           INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_time        TEXT NOT NULL,                  -- HH:MM on the zone's wall clock
    timezone          TEXT NOT NULL,
    interval_weeks    INTEGER NOT NULL CHECK (interval_weeks IN (1, 2)),
    first_date        TEXT NOT NULL,                  -- local date of the first occurrence
    duration_minutes  INTEGER NOT NULL,
    questions_each    INTEGER NOT NULL,
    reminder_minutes  INTEGER NOT NULL,
    event_id          INTEGER,                        -- the Discord scheduled event (series)
    event_start       TEXT,                           -- where Discord has the series now (UTC)
    handled_until     TEXT,                           -- newest occurrence run, missed or skipped
    reminded_for      TEXT,                           -- occurrence whose reminder was posted
    skipped           TEXT NOT NULL DEFAULT '[]',     -- JSON list of occurrences to skip (UTC)
    active_event      INTEGER NOT NULL DEFAULT 0,     -- event set ACTIVE, not yet COMPLETED
    status            TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX schedules_by_guild ON schedules (guild_id);
CREATE INDEX schedules_by_event ON schedules (event_id);

-- Who pressed Interested on a schedule's Discord event.
CREATE TABLE schedule_rsvps (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    UNIQUE (schedule_id, user_id)
);
CREATE INDEX schedule_rsvps_by_user ON schedule_rsvps (user_id);

-- What happened to each occurrence: ran, ran late, missed, skipped, could not start.
CREATE TABLE schedule_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    occurrence   TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('ran', 'late', 'missed', 'skipped', 'failed')),
    round_id     INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
    detail       TEXT,
    at           TEXT NOT NULL,
    UNIQUE (schedule_id, occurrence)
);
