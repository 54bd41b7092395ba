-- Resumes and job descriptions (issue 14): text and structure only, never the file.
-- One row per user; either part may be missing (NULL).
CREATE TABLE profiles (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    resume_text      TEXT,
    resume_facts     TEXT,                      -- JSON: ResumeFacts.to_dict()
    resume_pages     INTEGER,
    resume_name      TEXT,
    resume_language  TEXT,
    resume_at        TEXT,
    job_title        TEXT,
    job_company      TEXT,
    job_text         TEXT,
    job_facts        TEXT,                      -- JSON: JobFacts.to_dict()
    job_language     TEXT,
    job_at           TEXT,
    updated_at       TEXT NOT NULL
);

-- How an interview was personalised: what it drew on and the questions chosen (their text
-- too: questions written for the interview exist nowhere else). Kept with the interview's
-- id, not a link, like story tellings: deleting the profile keeps the interview.
CREATE TABLE personal_plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan        TEXT NOT NULL,                  -- JSON: PersonalPlan.to_dict()
    created_at  TEXT NOT NULL
);
CREATE INDEX personal_plans_by_user ON personal_plans (user_id);
