#pragma once
// The customers' sign-in use cases: SMS codes, sign-in by code (a new number signs up) or by
// password, setting and resetting a password, refreshing tokens (a staff session's refresh too,
// with its roles as they are now), signing out, the customer's profile and sessions, and the
// revocations the gateways poll. Who is asking always comes from the verified identity in the
// request context (the signed-in customer and session), never from a body.
//
// Each returns what the handler answers or throws ApiError with the service's code; the handlers
// (handlers/customer_handlers.cpp) read the request and set or clear the refresh cookie. The
// signed-in customer's use cases check the caller themselves too (401 AUTH_SIGN_IN_REQUIRED), so
// no other caller can run them for an anonymous context.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/http/context.hpp"
#include "core/net/blocking.hpp"
#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "platform/notify/client/notify_client.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/app/attempts.hpp"
#include "services/auth/app/tokens.hpp"
#include "services/auth/client/auth_api.hpp"
#include "services/auth/domain/password.hpp"
#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/staff_store.hpp"

namespace zt::core::net {
class IoRuntime;
}

namespace zt::services::auth {

// A refresh answered: a customer's tokens, a staff member's, or the refusal (its cookie then
// cleared).
using Refreshed = std::variant<Tokens, StaffTokens, Refusal>;

class CustomerSessions {
 public:
  CustomerSessions(core::storage::Database& db, core::net::IoRuntime& runtime, AuthStore& store, StaffStore& staff,
                   const TokenIssuer& tokens, Attempts& attempts, core::WorkPool& passwords,
                   platform::notify::NotifyClient& notify, Argon2Params argon2, core::observe::Registry& metrics,
                   bool sandbox);

  // A code to a number, for signing in ("login") or resetting a password ("reset"). A reset
  // answers the same, in the same time, for a customer's number as for anyone's. In sandbox mode
  // (node.sandbox) a sign-in code (and a signed-in customer's own code) that the notify service's
  // sandbox took is in the answer too (sandbox_code), so the sandbox can be tried from the app
  // alone; never a code a real SMS vendor took, never a reset's.
  boost::asio::awaitable<CodeSent> send_code(const CodeRequest& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<Tokens> sign_in(const SignInRequest& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<Tokens> password_sign_in(const PasswordSignIn& in, const core::http::RequestContext& ctx);
  // A code to the signed-in customer's own number, to set or change their password with.
  boost::asio::awaitable<CodeSent> send_password_code(const core::http::RequestContext& ctx);
  // The signed-in customer's password, with the code sent to their phone; their other sessions end.
  boost::asio::awaitable<void> set_password(const CustomerPassword& in, const core::http::RequestContext& ctx);
  // A forgotten password: every session of the customer ends.
  boost::asio::awaitable<void> reset_password(const PasswordReset& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<Refreshed> refresh(const std::string& token, const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> logout(const core::http::RequestContext& ctx);
  boost::asio::awaitable<CustomerProfile> profile(const core::http::RequestContext& ctx);
  boost::asio::awaitable<SessionList> sessions(const core::http::RequestContext& ctx);
  // The agreements the signed-in customer accepted, newest first.
  boost::asio::awaitable<ConsentList> consents(const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> end_session(const std::string& session_id, const core::http::RequestContext& ctx);
  // Sessions ended after a cursor ("<at_ms>.<id>"; or since a time), a thousand at most.
  boost::asio::awaitable<RevocationPage> revoked(std::int64_t after_ms, const std::string& after_id);

 private:
  using SignInStep = std::function<std::variant<SignedIn, core::Refusal>(core::storage::Tx&)>;
  boost::asio::awaitable<SignedIn> agreeing(const SignInStep& step, const std::vector<AgreementRef>& agreed,
                                            const std::string& device, const Audit& a, std::int64_t now,
                                            const std::string& mobile);
  boost::asio::awaitable<CodeSent> deliver_code(const core::http::RequestContext& ctx, const std::string& mobile,
                                                const std::string& purpose, const std::string& template_id, bool send);
  boost::asio::awaitable<void> change_password(const core::http::RequestContext& ctx, const std::string& mobile,
                                               const std::string& code, const std::string& password,
                                               const std::string& expected_customer, const std::string& keep_session);
  // The message as the notify service sent it (which provider took it); none when it could not be sent.
  boost::asio::awaitable<std::optional<platform::notify::MessageSent>> notify(
      const core::http::RequestContext& ctx, const std::string& mobile, const std::string& template_id,
      const std::map<std::string, std::string>& params);
  CodeSent code_sent(const IssuedCode& code) const;

  core::storage::Database& db_;
  core::net::IoRuntime& runtime_;
  AuthStore& store_;
  StaffStore& staff_;
  const TokenIssuer& tokens_;
  Attempts& attempts_;
  core::WorkPool& passwords_;
  platform::notify::NotifyClient& notify_;
  Argon2Params argon2_;
  std::string dummy_hash_;  // what an unknown number's password is checked against
  core::observe::Counter& logins_;
  core::observe::Counter& refreshes_;
  // node.sandbox: a sign-in code the notify service's sandbox took (so no phone got it) is also
  // answered to whoever asked for it. A code a real SMS vendor took never is, whatever the flag.
  bool sandbox_ = false;
};

}  // namespace zt::services::auth
