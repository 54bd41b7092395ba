-- A rewind retry is saved before it is graded: the answer waits here until its attempt row
-- is written (NULL: no retry waiting to be graded). A restart grades it from here.
ALTER TABLE sessions ADD COLUMN rewind_answer TEXT;
