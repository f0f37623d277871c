// The portal (issue 12): the centre publishes news and answers a question in public;
// a visitor reads both; the statistics page draws its charts.
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

export async function portal() {
  const centre = await h.actor("portal-centre");
  await h.signIn(centre, "department", "center_admin", PASSWORD);
  await h.go(centre, "/department/news/new");
  await centre.page.fill("#title", "学分银行门户上线试运行");
  await centre.page.fill("#body", "## 试运行安排\n\n即日起开放**在线解答**，欢迎提问。\n\n- 工作日内答复");
  await h.submit(centre, "main form button[type=submit]");
  await h.look(centre, "news-saved");
  await h.go(centre, "/department/news", "news-list");
  await h.submit(centre, "tr:has-text('学分银行门户上线试运行') button[value=publish]");

  const learner = await h.actor("portal-learner");
  await h.signIn(learner, "learner", "440106199001011235", PASSWORD);
  await h.go(learner, "/qa/ask");
  await learner.page.fill("#title", "转换证明如何核验？");
  await learner.page.fill("#body", "用人单位想确认我的转换证明真伪，\n应该怎么操作？");
  await h.submit(learner, "main form button[type=submit]");
  await h.look(learner, "question-asked");
  const qid = h.path(learner).split("/").pop();

  await h.go(centre, `/department/questions/${qid}`, "answer");
  await centre.page.fill("#answer", "在门户“证书核验”中输入证明编号，或扫描证明上的二维码即可核验。");
  await h.submit(centre, "main form button[type=submit]");

  const visitor = await h.actor("portal-visitor");
  await h.go(visitor, "/", "home-with-news");
  h.expect((await h.text(visitor)).includes("学分银行门户上线试运行"), "the home page lists the published news");
  await h.submit(visitor, "a:has-text('学分银行门户上线试运行')");
  h.expect((await visitor.page.locator(".rich h2").innerText()) === "试运行安排", "the news body is formatted");
  await h.look(visitor, "news");
  await h.go(visitor, "/qa?q=核验", "qa-search");
  h.expect((await h.text(visitor)).includes("转换证明如何核验？"), "the published answer is found");
  for (const p of ["/institutions", "/framework", "/standards", "/business", "/about"]) await h.go(visitor, p, p.slice(1));

  await h.go(centre, "/department/statistics");
  await centre.page.waitForSelector("#chart-learners canvas", { timeout: 10000 });
  const drawn = await centre.page.locator(".chart canvas").count();
  h.expect(drawn >= 4, `the statistics page draws its charts (${drawn} drawn)`);
  await h.look(centre, "statistics");
  for (const a of [centre, learner, visitor]) await a.context.close();
}
