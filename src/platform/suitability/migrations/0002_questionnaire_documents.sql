-- Each questionnaire document customers answered, kept once by its SHA-256 (issue 18, F17): an
-- assessment names the exact text it was answered on, not only a version string that an edited
-- document could reuse. Assessments from before this table have none.
CREATE TABLE suit_questionnaires (
  sha256 TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  document TEXT NOT NULL,
  first_used_at_ms BIGINT NOT NULL
);
ALTER TABLE suit_assessments ADD COLUMN questionnaire_sha256 TEXT;
