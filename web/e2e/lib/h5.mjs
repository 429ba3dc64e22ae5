// Steps of the H5 app several browser tests take the same way.
import assert from 'node:assert/strict';

// From the mall page of a signed-in customer: a sandbox fund account (1,000,000.00), then the
// questionnaire answered with the second option everywhere (score 49: C3). `shots`: screenshots
// of the questionnaire and the result.
export async function openAccountAndAssessC3(w, shots = false) {
  await w.page.getByTestId('open-sandbox-account').click();
  await w.page.getByTestId('fund-account').waitFor();
  await w.page.getByTestId('my-risk').click();
  await w.page.getByTestId('risk-page').waitFor();
  const questions = w.page.locator('[data-test^="question-"]');
  await questions.first().waitFor();
  const n = await questions.count();
  assert.equal(n, 20);
  for (let i = 0; i < n; i++) await questions.nth(i).locator('.van-radio').nth(1).click();
  if (shots) {
    await w.assertFits();
    await w.shot('questionnaire');
  }
  await w.page.getByTestId('risk-submit').click();
  await w.page.getByTestId('risk-result').waitFor();
  assert.equal((await w.page.getByTestId('risk-level').innerText()).trim(), 'C3');
  // What the level allows, in words.
  assert.match(await w.page.getByTestId('risk-allows').innerText(), /可购买风险等级为 R1–R3 的产品；购买 R4–R5 的产品需阅读并签署特别风险警示书/);
  if (shots) await w.shot('risk-result');
  await w.page.getByTestId('risk-done').click();
}

// On the sign-in page: ticks "我已阅读并同意《用户服务协议》和《隐私政策》" (never ticked in advance).
export async function agreeToTerms(w) {
  const box = w.page.getByTestId('agree');
  await box.waitFor();
  await box.locator('.van-checkbox__icon').click();
  assert.equal(await box.getAttribute('aria-checked'), 'true');
}
