-- Follow-ups remember the rubric rule whose gap they probe, so the reply is graded as a reply
-- to that probe (NULL: a model-written probe, or a turn that is not a follow-up).
ALTER TABLE turns ADD COLUMN probe_rule TEXT;
