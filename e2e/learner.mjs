// Learner journeys: a pre-imported account's first step with every validity choice.
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

/// The institution adds four learners (未激活); each completes the account with one of
/// 5年 / 10年 / 20年 / 长期有效 (the form once answered 422 to all of them).
export async function importedLearners() {
  const inst = await h.actor("institution");
  await h.signIn(inst, "institution", "4144051234", PASSWORD);
  await h.go(inst, "/institution/learners", "learners");
  const people = [
    ["陈一", "44010619880808001", "5", "13700000001"],
    ["陈二", "44010619880808002", "10", "13700000002"],
    ["陈三", "44010619880808003", "20", "13700000003"],
    ["陈四", "44010619880808004", "long", "13700000004"],
  ].map(([name, first17, period, mobile]) => ({ name, id: h.idNumber(first17), period, mobile }));
  for (const p of people) {
    await inst.page.fill("#name", p.name);
    await inst.page.fill("#id_number", p.id);
    await Promise.all([inst.page.waitForNavigation(), inst.page.click("form[method=post][action='/institution/learners'] button[type=submit]")]);
    h.expect((await h.text(inst)).includes(p.name), `${p.name} not added`);
  }
  await h.look(inst, "learners-added");
  for (const p of people) {
    const l = await h.actor(`imported-${p.period}`);
    await h.signIn(l, "learner", p.id, p.id.slice(-6));
    h.expect(l.page.url().endsWith("/learner/complete"), `${p.name} was not sent to complete the account: ${l.page.url()}`);
    await h.look(l, "complete");
    await l.page.fill("#name", p.name);
    await l.page.fill("#valid_from", "2024-03-01");
    await l.page.check(`input[name=valid_period][value='${p.period}']`);
    await l.page.fill("#mobile", p.mobile);
    const code = await h.requestCode(l, "button[data-sms]", p.mobile);
    await l.page.fill("#sms_code", code);
    await l.page.fill("#password", PASSWORD);
    await l.page.fill("#confirm", PASSWORD);
    await Promise.all([l.page.waitForNavigation(), l.page.click("form[action='/learner/complete'] button[type=submit]")]);
    h.expect(new URL(l.page.url()).pathname === "/learner", `${p.name} (${p.period}) stayed on ${l.page.url()}: ${await h.text(l)}`);
    await h.look(l, "home");
    const to = h.sql(`SELECT COALESCE(id_valid_to, '') FROM learners WHERE id_number = '${p.id}'`);
    const want = { 5: "2029-03-01", 10: "2034-03-01", 20: "2044-03-01", long: "" }[p.period];
    h.expect(to === want, `${p.name}: valid to "${to}", wanted "${want}" (长期有效: none)`);
    await l.context.close();
  }
  await inst.context.close();
}

/// A learner registers, adds an outcome with evidence and submits it, then changes the
/// bound mobile and the password in 账户设置.
export async function newLearner() {
  const l = await h.actor("learner");
  const id = h.idNumber("44010619920202002");
  const mobile = "13600000001";
  await h.go(l, "/register/learner", "register");
  await l.page.fill("#name", "林小雨");
  await l.page.fill("#id_number", id);
  await l.page.fill("#mobile", mobile);
  await l.page.fill("#sms_code", await h.requestCode(l, "button[data-sms]", mobile));
  await l.page.fill("#password", PASSWORD);
  await l.page.fill("#confirm", PASSWORD);
  await l.page.check("input[name=agree]");
  await h.submit(l, "form[action='/register/learner'] button[type=submit]");
  if (!h.path(l).startsWith("/learner")) {
    await h.signIn(l, "learner", mobile, PASSWORD);
  }
  h.expect(h.path(l) === "/learner", `after registering: ${l.page.url()} ${await h.text(l)}`);
  await h.look(l, "home");

  // 登记新成果: a 竞赛奖励 typed by hand, with its own fields.
  await h.go(l, "/learner/outcomes/new", "choose-subtype");
  await h.submit(l, "main a:has-text('竞赛奖励')");
  await h.look(l, "outcome-form");
  const form = l.page.locator("main form[method=post]");
  await l.page.fill("#name", "全省职业院校技能大赛二等奖");
  await l.page.fill("#issuer", "广东省教育厅");
  await l.page.fill("#number", "JS-2024-0001");
  await l.page.fill("#issued_on", "2024-06-01");
  for (const input of await form.locator(".two input[type=text]:not([id=name]):not([id=issuer]):not([id=number]):not([id=score])").all()) {
    if (!(await input.inputValue())) await input.fill("测试");
  }
  for (const input of await form.locator(".two input[type=date]").all()) {
    if (!(await input.inputValue())) await input.fill("2024-05-20");
  }
  for (const select of await form.locator(".two select").all()) {
    const options = await select.locator("option").all();
    if (options.length > 1) await select.selectOption({ index: 1 });
  }
  await h.submit(l, "main form[method=post] button[type=submit]");
  h.expect(/^\/learner\/outcomes\/\d+$/.test(h.path(l)), `outcome not saved: ${l.page.url()} ${await h.text(l)}`);
  await l.page.setInputFiles("input[type=file][name=file]", { name: "获奖证书.png", mimeType: "image/png", buffer: h.PNG });
  await h.submit(l, "form[enctype='multipart/form-data'] button[type=submit]");
  h.expect((await h.text(l)).includes("获奖证书.png"), "the evidence is not listed");
  // Files over 2 MiB (the pages promise 10 MB) arrive whole.
  const big = Buffer.concat([h.PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
  await l.page.setInputFiles("input[type=file][name=file]", { name: "证书扫描件.pdf", mimeType: "application/pdf", buffer: big });
  await h.submit(l, "form[enctype='multipart/form-data'] button[type=submit]");
  h.expect((await h.text(l)).includes("证书扫描件.pdf"), `a 3 MB file was refused: ${await h.text(l)}`);
  await h.look(l, "outcome");
  await h.submit(l, "button[value=submit]");
  await h.look(l, "submitted");

  // 账户设置: a new mobile (code to it), then a new password (code to the new mobile).
  await h.go(l, "/learner/settings", "settings");
  await l.page.fill("#m_password", PASSWORD);
  await l.page.fill("#m_mobile", "13600000002");
  await l.page.fill("#m_code", await h.requestCode(l, "button[data-sms=change_mobile]", "13600000002"));
  await h.submit(l, "form[action='/learner/settings/mobile'] button[type=submit]");
  h.expect((await h.text(l)).includes("手机号已更换") && (await h.text(l)).includes("136****0002"), "mobile not changed");
  await h.go(l, "/learner/settings?tab=password", "password");
  await l.page.fill("#old_password", PASSWORD);
  await l.page.fill("#password", "Next1234");
  await l.page.fill("#confirm", "Next1234");
  await l.page.fill("#p_code", await h.requestCode(l, "button[data-sms=change_password]", "13600000002"));
  await h.submit(l, "form[action='/learner/settings/password'] button[type=submit]");
  h.expect((await h.text(l)).includes("密码已修改"), `password not changed: ${await h.text(l)}`);
  await h.look(l, "password-changed");
  await h.signOut(l);
  await h.signIn(l, "learner", "13600000002", "Next1234");
  h.expect(h.path(l) === "/learner", "the new password does not sign in");
  await l.context.close();
}

/// The demo learner reports a wrong date on an outcome the institution stored; the
/// institution opens the message, answers, and the learner sees 已解决.
export async function feedback() {
  const l = await h.actor("feedback-learner");
  await h.signIn(l, "learner", "440106199001011235", PASSWORD);
  const outcome = h.sql(
    "SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id WHERE l.id_number = '440106199001011235' AND lo.source = 'institution' ORDER BY lo.id LIMIT 1",
  );
  h.expect(outcome, "the demo learner has no institution-created outcome");
  // An outcome whose recognition is under review is read-only: no 修改.
  const reviewing = h.sql(
    "SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id WHERE l.id_number = '440106199001011235' AND lo.recognition IN ('applied', 'initial_passed') LIMIT 1",
  );
  if (reviewing) {
    await h.go(l, `/learner/outcomes/${reviewing}`, "under-review");
    h.expect(!(await l.page.locator("main a:has-text('修改')").count()), "an outcome under review offers 修改");
    await h.expecting(l, 409, () => l.page.goto(`${h.BASE}/learner/outcomes/${reviewing}/edit`));
  }
  // A page of another role: refused, with the learner's own header and a working sign-out.
  await h.expecting(l, 403, () => l.page.goto(`${h.BASE}/department`));
  h.expect((await l.page.locator("header").innerText()).includes("张晓明"), "the error page shows the signed-out header");
  await h.look(l, "forbidden");
  await h.go(l, `/learner/outcomes/${outcome}`, "outcome");
  await h.submit(l, "main a:has-text('问题反馈')");
  await h.look(l, "report");
  await l.page.check("input[name=problem][value=issued_on]");
  await l.page.fill("#content", "证书上的发证日期为2023-06-30");
  await l.page.setInputFiles("#file", { name: "证书扫描件.pdf", mimeType: "application/pdf", buffer: h.PDF });
  await h.submit(l, "form[enctype='multipart/form-data'] button[type=submit]");
  h.expect(/^\/learner\/feedback\/\d+$/.test(h.path(l)), `report not saved: ${await h.text(l)}`);
  await h.look(l, "reported");

  const inst = await h.actor("feedback-institution");
  await h.signIn(inst, "institution", "4144051234", PASSWORD);
  h.expect(await inst.page.locator("header .inbox .badge").count(), "no unread count in the header");
  await h.submit(inst, "header a.inbox");
  await h.look(inst, "messages");
  await h.submit(inst, "tr:has-text('收到问题反馈') a:has-text('处理')");
  h.expect(/^\/institution\/feedback\/\d+$/.test(h.path(inst)), `处理 led to ${inst.page.url()}`);
  await h.look(inst, "feedback");
  await inst.page.check("input[name=decision][value=resolved]");
  await inst.page.fill("#reply", "已核对档案并更正发证日期");
  await h.submit(inst, "main form[method=post] button[type=submit]");
  h.expect((await h.text(inst)).includes("已解决"), "not resolved");
  await h.go(inst, "/institution/feedback", "feedback-list");

  await h.go(l, "/learner/feedback", "feedback-list");
  h.expect((await h.text(l)).includes("已解决"), "the learner does not see 已解决");
  await h.go(l, "/learner/messages", "messages");
  h.expect((await h.text(l)).includes("问题反馈已处理"), "no message to the learner");

  // 开具证明 of a stored outcome: the PDF downloads, and /verify (what its QR code
  // opens) shows it on a phone.
  await h.go(l, "/learner/outcomes");
  await l.page.locator(`input[name=id][value='${outcome}']`).check();
  await h.submit(l, "button[formaction='/learner/certificates']");
  h.expect(h.path(l) === "/verify", `开具证明 led to ${l.page.url()}`);
  await h.look(l, "issued");
  const href = await l.page.locator("main a:has-text('下载证明')").getAttribute("href");
  const pdf = await l.page.request.get(h.BASE + href);
  h.expect((await pdf.body()).subarray(0, 5).toString() === "%PDF-", "the certificate is not a PDF");
  const number = h.sql("SELECT number FROM certificates ORDER BY id DESC LIMIT 1");
  const v = await h.actor("verifier");
  await h.go(v, `/verify?number=${number}`, "verify");
  h.expect((await h.text(v)).includes(number), "verification does not show the certificate");
  await v.context.close();
  await l.context.close();
  await inst.context.close();
}
