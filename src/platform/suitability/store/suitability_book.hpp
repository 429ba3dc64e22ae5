#pragma once
// The suitability records in the service's own tables (migrations/0001_suitability.sql): each
// call runs inside the caller's transaction and returns a value or a refusal, so the rules are
// tested against a real database without the HTTP layer.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/finance/business_clock.hpp"
#include "core/storage/audit_trail.hpp"
#include "core/storage/database.hpp"
#include "core/util/digest.hpp"
#include "platform/suitability/api_types.hpp"

namespace zt::platform::suitability {

struct Settings {
  int validity_months = 24;                 // [default] an assessment's life
  Bands bands;                              // [practice] 20,40,60,80
  int max_assessments_per_day = 3;          // [practice] no answering until the level one wants
  std::chrono::hours warning_validity{24};  // a signed warning covers orders for this long
  int approval_validity_months = 24;        // an investor classification's life
  Thresholds thresholds;
};

// Who acts, for the records: the customer's session and address, or the staff member.
struct Actor {
  std::string id;
  std::string session;
  std::string address;
  std::string trace_id;
};

class SuitabilityBook {
 public:
  // current: the questionnaire in force, parsed from `document` (its text, kept with every
  // assessment's record by its SHA-256).
  SuitabilityBook(Questionnaire current, std::string document, Settings settings)
      : questionnaire_(std::move(current)),
        document_(std::move(document)),
        document_sha256_(core::sha256_hex(document_)),
        s_(std::move(settings)) {}
  const Questionnaire& questionnaire() const { return questionnaire_; }
  const std::string& document_sha256() const { return document_sha256_; }
  const Settings& settings() const { return s_; }

  Result<Assessment> assess(core::storage::Tx& tx, const std::string& customer, const AssessmentIn& in,
                            const core::finance::BusinessTime& now, const Actor& who) const;
  ProfileView profile(core::storage::Tx& tx, const std::string& customer, const std::string& today) const;
  AssessmentList assessments(core::storage::Tx& tx, const std::string& customer) const;

  MatchOut match(core::storage::Tx& tx, const MatchIn& in, const std::string& today, std::int64_t now_ms) const;
  Result<Warning> issue_warning(core::storage::Tx& tx, const WarningIn& in, const std::string& service,
                                const std::string& today, std::int64_t now_ms, const std::string& trace_id) const;
  // The customer's own warning (or any, for a service: customer empty).
  Result<Warning> warning(core::storage::Tx& tx, const std::string& id, const std::string& customer) const;
  Result<Warning> sign(core::storage::Tx& tx, const std::string& id, const SignIn& in, const Actor& customer,
                       std::int64_t now_ms) const;

  Result<Application> apply(core::storage::Tx& tx, const std::string& customer, const ApplicationIn& in,
                            std::int64_t now_ms, const Actor& who) const;
  ApplicationList applications_of(core::storage::Tx& tx, const std::string& customer) const;
  Result<ApplicationList> applications(core::storage::Tx& tx, const std::string& state, const std::string& cursor,
                                       std::int64_t limit) const;
  Result<Application> decide(core::storage::Tx& tx, const std::string& id, const DecisionIn& in, const Actor& staff,
                             const std::string& today, std::int64_t now_ms) const;
  std::optional<Application> application(core::storage::Tx& tx, const std::string& id) const;
  // Staff opened an evidence file of an application (audited: personal documents).
  // A staff member read a risk warning issued to a customer: audited under that customer.
  void warning_viewed(core::storage::Tx& tx, const Actor& staff, const Warning& warning, std::int64_t now_ms) const;
  // A staff member read the customer's profile (customer service, a reviewer): audited.
  void profile_viewed(core::storage::Tx& tx, const Actor& staff, const std::string& customer_id, std::int64_t now_ms) const;
  void evidence_viewed(core::storage::Tx& tx, const Actor& staff, const Application& application,
                       const std::string& evidence, std::int64_t now_ms) const;

  // The service's audit trail (core/storage/audit_trail.hpp): staff's acts and customers' own (an
  // assessment, a signed warning, an application, an uploaded file), each under its customer.
  void audit(core::storage::Tx& tx, const Actor& who, const std::string& action, const std::string& subject,
             const std::string& detail, std::int64_t now_ms, const std::string& customer) const;
  Result<core::storage::AuditPage> audit_page(core::storage::Tx& tx, const core::storage::AuditQuery& query) const;

 private:
  Profile domain_profile(core::storage::Tx& tx, const std::string& customer, const std::string& today,
                         std::string* assessment_id, int* score, ProfileView* view) const;
  Questionnaire questionnaire_;
  std::string document_;
  std::string document_sha256_;
  Settings s_;
  core::storage::AuditTrail trail_{"suit_audit", "AU"};
};

}  // namespace zt::platform::suitability
