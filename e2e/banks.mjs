// The other banks' own sign-up and sign-in (issue 12), each against a server started
// with its profile: Guangdong registers with a user name; OUCN activates a pre-imported
// student by e-mail link and the bank's review.
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

export async function guangdong() {
  const v = await h.actor("gd-visitor");
  await h.go(v, "/register/learner", "register");
  const id = h.idNumber("44010619880808123");
  const fields = {
    "#username": "LiMing88", "#name": "李明", "#id_number": id, "#birth_date": "1988-08-08",
    "#email": "liming88@example.cn", "#address": "广州市越秀区教育路1号", "#mobile": "13700137000",
    "#password": "Pass1234", "#confirm": "Pass1234",
  };
  for (const [sel, value] of Object.entries(fields)) await v.page.fill(sel, value);
  for (const [sel, value] of [["#nationality", "中国"], ["#ethnicity", "汉族"], ["#gender", "男"], ["#province", "广东省"]]) {
    await v.page.selectOption(sel, value);
  }
  await v.page.fill("#sms_code", await h.requestCode(v, "button[data-sms]", "13700137000"));
  await v.page.check("input[name=agree]");
  await h.submit(v, "main form button[type=submit]");
  h.expect(h.path(v) === "/login/learner", `registration leads to sign-in, not ${h.path(v)}: ${await h.text(v)}`);
  await h.signIn(v, "learner", "LiMing88", "Pass1234");
  h.expect(h.path(v) === "/learner", `the user name signs in (${h.path(v)})`);
  const menu = await v.page.locator("nav.menu").innerText();
  for (const entry of ["我的信息", "规则查询", "认定成果申请", "广东终身教育资历框架等级标准", "在线解答"]) {
    h.expect(menu.includes(entry), `Guangdong's menu has ${entry}`);
  }
  await h.look(v, "learner-home");
  await v.context.close();
}

export async function oucn() {
  const s = await h.actor("oucn-student");
  const id = h.idNumber("44010219950505005");
  await h.go(s, "/login/learner", "login");
  await h.submit(s, "a:has-text('国开学生账户激活')");
  await s.page.check("input[name=agree]");
  await s.page.fill("#id_number", id);
  await h.submit(s, "main form button[type=submit]");
  h.expect((await h.text(s)).includes("李*民"), "the look-up shows the masked name");
  await h.look(s, "confirm-facts");
  await s.page.fill("#email", "lijiamin@example.cn");
  await h.submit(s, "main form[action='/activate/email'] button[type=submit]");
  await h.look(s, "mail-sent");
  const body = h.sql("SELECT body FROM outbox WHERE recipient = 'lijiamin@example.cn' ORDER BY id DESC LIMIT 1");
  const link = body.match(/\/activate\/confirm\?token=[0-9a-f]+/);
  h.expect(link, `a confirmation link was mailed: ${body}`);
  await h.go(s, link[0], "confirmed");
  h.expect((await h.text(s)).includes("邮箱验证成功"), "the link confirms the address");

  const centre = await h.actor("oucn-centre");
  await h.signIn(centre, "department", "center_admin", PASSWORD);
  await h.go(centre, "/department/learners/review", "review-queue");
  await h.submit(centre, "tr:has-text('李嘉民') button[value=pass]");
  await h.signIn(s, "learner", `S${id}`, id.slice(-6));
  h.expect(h.path(s) === "/learner/complete", `the reviewed student completes the account (${h.path(s)})`);
  await h.look(s, "complete");
  for (const a of [s, centre]) await a.context.close();
}

// 业绩类成果转换申请 (Guangdong): the demo learner asks to turn its work record into a
// course it picks; the school's 初审 and the expert's 终审 grant the course and credits.
export async function guangdongPerformance() {
  const me = await h.actor("gd-performance");
  await h.signIn(me, "learner", "zhangxiaoming", PASSWORD);
  await h.submit(me, "nav.menu a:has-text('业绩类成果转换申请')");
  await h.look(me, "performance-list");
  await h.submit(me, "tr:has-text('广东开放大学工作9年') a:has-text('提交转换')");
  await me.page.fill("input[name=major]", "电子商务");
  await me.page.fill("input[name=institution]", "广东开放大学");
  await h.submit(me, "form.filters button[type=submit]");
  await h.look(me, "choose-target");
  await me.page.check("tr:has-text('客户关系管理') input[type=radio]");
  await h.submit(me, "main form.stack button[type=submit]");
  h.expect((await h.text(me)).includes("提交成功"), `the request is made: ${await h.text(me)}`);
  h.expect((await h.text(me)).includes("已申请"), "the list says 已申请");

  const school = await h.actor("gd-school");
  await h.signIn(school, "institution", "4144051234", PASSWORD);
  await h.submit(school, "nav.menu a:has-text('业绩类转换初审')");
  await h.submit(school, "tr:has-text('广东开放大学工作9年') a:has-text('查看')");
  await h.look(school, "performance-detail");
  await school.page.fill("#opinion", "原件核验无误");
  await h.submit(school, "main button[value=pass]");
  await h.look(school, "performance-passed");

  const expert = await h.actor("gd-expert");
  await h.signIn(expert, "expert", "expert01", PASSWORD);
  await h.submit(expert, "nav.menu a:has-text('业绩类转换终审')");
  await h.look(expert, "performance-final");
  await h.submit(expert, "main button[value=pass]");
  h.expect((await h.text(expert)).includes("已审核1条"), `the expert decided: ${await h.text(expert)}`);

  await h.go(me, "/learner/performance", "performance-done");
  h.expect((await h.text(me)).includes("转换成功"), "the learner sees 转换成功");
  await h.go(me, "/learner/outcomes?tab=converted");
  h.expect((await h.text(me)).includes("客户关系管理"), "the course is among the learner's outcomes");
  for (const a of [me, school, expert]) await a.context.close();
}
