// A learner takes an outcome away as an Open Badges credential and anyone verifies it.
import fs from "node:fs";
import * as h from "./harness.mjs";

/// The demo learner downloads the credential of a stored outcome from 成果详情, sees it
/// under 我的证明, and a visitor uploads it at /verify and reads every check.
export async function credentials() {
  const l = await h.actor("credential-holder");
  await h.signIn(l, "learner", "440106199001011235", "Demo1234");
  const id = h.sql(
    "SELECT lo.id FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id " +
      "WHERE l.id_number = '440106199001011235' AND lo.status = 'stored' ORDER BY lo.id LIMIT 1",
  );
  h.expect(id !== "", "the demo learner holds a stored outcome");
  await h.go(l, `/learner/outcomes/${id}`, "outcome");
  const [download] = await Promise.all([l.page.waitForEvent("download"), l.page.click("text=下载数字凭证")]);
  const file = await download.path();
  const credential = JSON.parse(fs.readFileSync(file, "utf8"));
  h.expect(credential.type.includes("OpenBadgeCredential"), "an Open Badges credential");
  h.expect(!JSON.stringify(credential).includes("440106199001011235"), "no ID number in clear");
  await h.go(l, "/learner/certificates", "certificates");
  h.expect((await h.text(l)).includes("数字凭证"), "我的证明 lists the credential");
  await l.context.close();

  const v = await h.actor("credential-verifier");
  await h.go(v, "/verify");
  await v.page.setInputFiles("input[name=file]", { name: "凭证.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(credential)) });
  await Promise.all([v.page.waitForNavigation(), v.page.click("text=核验文件")]);
  const text = await h.text(v);
  h.expect(text.includes("核验通过"), `the credential verifies: ${text.slice(0, 400)}`);
  for (const check of ["格式", "签发者", "签名", "有效期", "状态"]) h.expect(text.includes(check), `check ${check} shown`);
  await h.look(v, "verified");
  const did = await (await v.page.request.get(h.BASE + "/.well-known/did.json")).json();
  h.expect(did.id === credential.issuer.id, "the issuer is the bank's did:web");
  await v.context.close();
}
