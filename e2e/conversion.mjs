// Conversion in the browser: the demo learner applies; the target school edits its draft
// rule and reviews the pending applications (none ticked: the page says how many).
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

export async function conversion() {
  const l = await h.actor("conversion-learner");
  await h.signIn(l, "learner", "440106199001011235", PASSWORD);
  await h.go(l, "/learner/conversions/rules", "rules");
  await h.submit(l, "form[action='/learner/conversions/apply'] button");
  h.expect(l.dialogs.some((m) => m.includes("申请转换")), `no confirmation: ${l.dialogs}`);
  h.expect((await h.text(l)).includes("审核中 1"), `the pending application is not counted: ${await h.text(l)}`);
  await h.look(l, "applied");

  const i = await h.actor("conversion-institution");
  await h.signIn(i, "institution", "4144051235", PASSWORD);
  await h.go(i, "/institution/rules", "rules");
  await h.submit(i, "tr:has-text('未提交') a:has-text('修改')");
  await h.look(i, "edit");
  await i.page.fill("#name", "高等数学转换工程数学（2027级）");
  await h.submit(i, "main form[method=post] button[value=save]");
  h.expect((await h.text(i)).includes("工程数学(2027级)") && !(await h.text(i)).includes("草稿"), `the edit was not saved: ${await h.text(i)}`);
  await h.look(i, "edited");

  await h.go(i, "/institution/conversions/review", "review");
  await i.page.fill("#opinion", "同意转换");
  await h.submit(i, "form[data-bulk] button[value=pass]");
  h.expect(i.dialogs.some((m) => m.includes("全部1条")), `no count in the confirmation: ${i.dialogs}`);
  await h.look(i, "reviewed");
  await h.go(l, "/learner/conversions", "records");
  h.expect((await h.text(l)).includes("转换成功 1"), "the learner does not see the conversion");
  await h.submit(l, "main table a[href^='/learner/conversions/']");
  h.expect((await h.text(l)).includes("转换成功") && (await h.text(l)).includes("工程数学"), "the application's page");
  await h.look(l, "application");
  await l.context.close();
  await i.context.close();
}
