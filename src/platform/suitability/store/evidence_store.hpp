#pragma once
// Evidence files for professional / qualified investor applications (投资者认定证明材料): a JPEG,
// PNG or PDF a customer uploads (sealed at rest, the SHA-256 of the file kept), named in their
// application by its id (EV…), and opened by reviewing staff only through an application that
// names it. Framework-free records; the routes are in suitability_component.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/crypto/seal.hpp"
#include "core/storage/database.hpp"
#include "core/util/refusal.hpp"

namespace zt::platform::suitability {

struct EvidenceFile {
  std::string id;
  std::string name;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;
  std::int64_t uploaded_at_ms = 0;
};

class EvidenceStore {
 public:
  EvidenceStore(const core::crypto::KeyRing& keys, std::int64_t max_bytes, std::int64_t per_day)
      : keys_(keys), max_bytes_(max_bytes), per_day_(per_day) {}

  // Checks and keeps a file: a name of 1–100 bytes, a declared type that the content really is
  // (JPEG, PNG or PDF by its first bytes), base64 content of at most max_bytes once decoded.
  // At most per_day kept files a customer per business day (`today`). Refusals: 400
  // SUIT_EVIDENCE_INVALID, 413 SUIT_EVIDENCE_TOO_LARGE, 429 SUIT_TOO_MANY_EVIDENCE.
  std::variant<EvidenceFile, core::Refusal> add(core::storage::Tx& tx, const std::string& customer,
                                                const std::string& name, const std::string& content_type,
                                                const std::string& base64, const std::string& today,
                                                std::int64_t now_ms) const;
  // The entries of an application that name an upload (EV…) all belong to the customer; the
  // refusal otherwise (400 SUIT_EVIDENCE_UNKNOWN).
  std::optional<core::Refusal> check_owned(core::storage::Tx& tx, const std::string& customer,
                                           const std::vector<std::string>& entries) const;
  // A file and its bytes, when it is the customer's; none otherwise.
  std::optional<std::pair<EvidenceFile, std::string>> open(core::storage::Tx& tx, const std::string& customer,
                                                           const std::string& id) const;

  static bool names_upload(const std::string& entry);  // EV + 16 hex digits

 private:
  const core::crypto::KeyRing& keys_;
  std::int64_t max_bytes_;
  std::int64_t per_day_;
};

}  // namespace zt::platform::suitability
