-- Suitability (适当性管理, BUSINESS §1): every assessment, warning, signature and application is
-- kept; there is no deletion path (records are kept at least 20 years).
CREATE TABLE suit_assessments (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  questionnaire_version TEXT NOT NULL,
  answers TEXT NOT NULL,            -- JSON [{question, option}]
  score INTEGER NOT NULL,
  level INTEGER NOT NULL,           -- C1..C5
  lowest_category INTEGER NOT NULL,
  lowest_reasons TEXT NOT NULL,     -- JSON list
  assessed_on TEXT NOT NULL,        -- business date (Asia/Shanghai)
  expires_on TEXT NOT NULL,         -- valid while today < expires_on
  created_at_ms BIGINT NOT NULL,
  trace_id TEXT NOT NULL
);
CREATE INDEX suit_assessments_customer ON suit_assessments (customer_id, created_at_ms);

-- Special risk warnings (特别风险警示书): issued for one customer, product and assessment; signed once.
CREATE TABLE suit_warnings (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  assessment_id TEXT NOT NULL,
  customer_level INTEGER NOT NULL,
  product_code TEXT NOT NULL,
  product_name TEXT NOT NULL,
  product_risk INTEGER NOT NULL,
  issued_by TEXT NOT NULL,          -- the selling service
  text TEXT NOT NULL,
  text_version TEXT NOT NULL,
  text_sha256 TEXT NOT NULL,
  issued_at_ms BIGINT NOT NULL,
  signed_at_ms BIGINT,
  signed_session TEXT,
  signed_address TEXT,
  trace_id TEXT NOT NULL
);
CREATE INDEX suit_warnings_customer ON suit_warnings (customer_id, issued_at_ms);

-- Professional (专业投资者) and qualified (合格投资者) investor applications, with staff review.
CREATE TABLE suit_applications (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  kind TEXT NOT NULL,               -- professional | qualified
  financial_assets_units BIGINT NOT NULL,
  average_income_units BIGINT NOT NULL,
  experience_years INTEGER NOT NULL,
  evidence TEXT NOT NULL,           -- JSON list of what the customer supplied
  state TEXT NOT NULL,              -- pending | approved | rejected
  submitted_at_ms BIGINT NOT NULL,
  reviewed_by TEXT,
  reviewed_at_ms BIGINT,
  review_comment TEXT,
  valid_until TEXT                  -- approved: in force while today < valid_until
);
CREATE INDEX suit_applications_customer ON suit_applications (customer_id, submitted_at_ms);
CREATE INDEX suit_applications_state ON suit_applications (state, submitted_at_ms);

-- Staff actions, append-only.
CREATE TABLE suit_audit (
  id TEXT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  trace_id TEXT NOT NULL
);
CREATE INDEX suit_audit_at ON suit_audit (at_ms);
