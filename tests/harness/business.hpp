#pragma once
// Helpers for business-flow tests through the gateway: a customer signing up with the code from
// the sandbox outbox, the suitability questionnaire's answers, the sandbox business clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <string>

#include "harness/http.hpp"
#include "harness/tokens.hpp"
#include "harness/process.hpp"

namespace zt::test {

struct Customer {
  std::string id;
  std::string token;
  std::map<std::string, std::string> headers() const { return {{"authorization", "Bearer " + token}}; }
};

// A new customer: a code to the number, read from the sandbox outbox, and sign-in accepting the
// agreements.
inline Customer sign_up(int port, const std::string& mobile) {
  auto sent = http_request(port, "POST", "/api/auth/v1/sms-codes", R"({"mobile": ")" + mobile + R"("})");
  EXPECT_EQ(sent.status, 200) << sent.body;
  auto box = http_request(port, "GET", "/api/notify/v1/outbox?recipient=" + mobile + "&limit=1", "", sandbox_staff_headers());
  std::smatch m;
  EXPECT_TRUE(std::regex_search(box.body, m, std::regex("验证码为([0-9]{6})"))) << box.body;
  auto in =
      http_request(port, "POST", "/api/auth/v1/sessions",
                   R"({"mobile": ")" + mobile + R"(", "code": ")" + std::string(m[1]) + R"(", "device": "test", "agreements": )" +
                       agreements_accepted(port) + "}");
  EXPECT_EQ(in.status, 200) << in.body;
  return Customer{json_field(in.body, "customer_id"), json_field(in.body, "access_token")};
}

// Answers choosing option `pick` of every question (the last when it has fewer), with overrides.
inline std::string questionnaire_answers(const std::string& questionnaire, std::size_t pick,
                                         const std::map<std::string, std::string>& overrides = {},
                                         const std::string& version = "") {
  const auto q = boost::json::parse(questionnaire).as_object();
  boost::json::array out;
  for (const auto& g : q.at("groups").as_array())
    for (const auto& question : g.at("questions").as_array()) {
      const std::string id(question.at("id").as_string());
      const auto& options = question.at("options").as_array();
      std::string option(options.at(std::min(pick, options.size() - 1)).at("id").as_string());
      if (auto it = overrides.find(id); it != overrides.end()) option = it->second;
      out.push_back(boost::json::object{{"question", id}, {"option", option}});
    }
  return boost::json::serialize(boost::json::object{
      {"version", version.empty() ? std::string(q.at("version").as_string()) : version}, {"answers", out}});
}

// Pins the business clock (sandbox.clock) and waits until the gateway's process shows it:
// "2026-03-02T10:00:00+08:00" is shown as "2026-03-02 10:00:00".
inline void pin_clock(int port, const std::string& instant) {
  const std::string shown = instant.substr(0, 10) + " " + instant.substr(11, 8);
  ASSERT_EQ(publish_dynamic(port, "sandbox.clock: \"" + instant + "\"\n").status, 200);
  ASSERT_TRUE(
      eventually([&] { return json_field(http_get(port, "/api/gateway/v1/features").body, "sandbox_clock") == shown; },
                 std::chrono::seconds(15)))
      << "the clock did not reach " << shown;
}

}  // namespace zt::test
