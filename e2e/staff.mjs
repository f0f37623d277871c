// The bank's side: a department works its queues, an expert gives a final review.
import * as h from "./harness.mjs";

const PASSWORD = "Demo1234";

/// The department stores the outcomes waiting in its queue: nothing ticked means all,
/// and the page says how many before it decides.
export async function department() {
  const d = await h.actor("department");
  await h.signIn(d, "department", "gd_edu", PASSWORD);
  await h.look(d, "home");
  for (const path of ["/department/institutions/pending", "/department/catalog", "/department/recognition", "/department/conversions", "/department/taxonomy", "/department/feedback", "/department/messages"]) {
    await h.go(d, path, path.split("/").pop());
  }
  await h.go(d, "/department/storage", "storage");
  const rows = await d.page.locator("form[data-bulk] input[name=id]").count();
  if (rows > 0) {
    await d.page.fill("#opinion", "材料齐全");
    await h.submit(d, "form[data-bulk] button[value=pass]");
    h.expect(d.dialogs.some((m) => m.includes(`全部${rows}条`)), `no count in the confirmation: ${d.dialogs}`);
    await h.look(d, "stored");
  }
  await d.context.close();
}

/// The expert passes the recognition waiting for final review, with credits.
export async function expert() {
  const e = await h.actor("expert");
  await h.signIn(e, "expert", "expert01", PASSWORD);
  await h.look(e, "home");
  await h.go(e, "/expert/recognition", "recognition");
  const rows = await e.page.locator("form[data-bulk] input[name=id]").count();
  h.expect(rows > 0, "nothing waits for the final review in the demo");
  await e.page.locator("form[data-bulk] input[name=id]").first().check();
  await e.page.fill("#credits", "2.5");
  await e.page.fill("#opinion", "同意认定");
  await h.submit(e, "form[data-bulk] button[value=pass]");
  h.expect(e.dialogs.some((m) => m.includes("已勾选的1条")), `no count in the confirmation: ${e.dialogs}`);
  await h.look(e, "decided");
  await h.go(e, "/expert/conversions", "conversions");
  await h.go(e, "/expert/settings", "settings");
  await e.context.close();
}

/// The institution exports its learner accounts after an SMS code (the file is an
/// xlsx with masked ID numbers) and filters its rules.
export async function institutionTools() {
  const i = await h.actor("institution-tools");
  await h.signIn(i, "institution", "4144051234", PASSWORD);
  await h.go(i, "/institution/learners", "learners");
  await i.page.locator("input[form=learner-export]").first().check();
  await i.page.click("#learner-export button[data-sms=export]");
  await i.page.waitForFunction(() => document.querySelector("#learner-export button[data-sms]")?.disabled);
  await i.page.waitForTimeout(300);
  const mobile = h.sql("SELECT mobile FROM institution_users WHERE account = '4144051234'");
  await i.page.fill("#learner-export input[name=sms_code]", h.smsCode(mobile));
  const [download] = await Promise.all([i.page.waitForEvent("download"), i.page.click("#learner-export button[type=submit]")]);
  const file = await download.path();
  const bytes = (await import("node:fs")).readFileSync(file);
  h.expect(bytes.subarray(0, 2).toString() === "PK", "the export is not an xlsx");
  h.expect(download.suggestedFilename().endsWith(".xlsx"), `named ${download.suggestedFilename()}`);
  await h.go(i, "/institution/rules?tab=related", "rules-related");
  await h.go(i, "/institution/rules?status=published", "rules-published");
  await h.go(i, "/institution/outcomes", "outcomes");
  await i.context.close();
}
